"""The spiders, one per source; each only yields requests and DocumentItems."""
