-- Saved as tables (`*_t`) when a build applies the views: every public view reads them, and
-- recomputing the window functions per query costs seconds on a large registry. Spool loads
-- between builds add document versions that these tables show after the next build.

-- The current version of each document: the newest version from its most authoritative source.
-- (A trial's API record outranks its legacy record, which outranks a CSV export row; PubMed
-- outranks Europe PMC.) Older versions stay in document_versions.
CREATE OR REPLACE TABLE current_versions_t AS
SELECT *
FROM document_versions
QUALIFY row_number() OVER (
    PARTITION BY doc_id
    ORDER BY CASE source
        WHEN 'ctgov' THEN 1 WHEN 'ctgov_legacy' THEN 2 WHEN 'ctgov_csv' THEN 3
        WHEN 'pubmed' THEN 1 WHEN 'europepmc' THEN 2
        ELSE 4 END,
        version DESC
) = 1;
CREATE OR REPLACE VIEW current_versions AS SELECT * FROM current_versions_t;

-- The newest extraction of each current document version.
CREATE OR REPLACE TABLE current_extractions_t AS
SELECT e.*
FROM doc_extractions e
JOIN current_versions_t c USING (doc_id, version)
QUALIFY row_number() OVER (PARTITION BY e.doc_id ORDER BY e.extracted_at DESC) = 1;
CREATE OR REPLACE VIEW current_extractions AS SELECT * FROM current_extractions_t;

-- The fact mentions of those extractions.
CREATE OR REPLACE TABLE current_mentions_t AS
SELECT m.*
FROM fact_mentions m
JOIN current_extractions_t e USING (doc_id, version, extractor_version);
CREATE OR REPLACE VIEW current_mentions AS SELECT * FROM current_mentions_t;

-- Trial metadata per trial, each field taken from the most authoritative record that has it.
CREATE OR REPLACE TABLE trial_best_t AS
WITH ranked AS (
    SELECT t.*,
           CASE t.source WHEN 'ctgov' THEN 1 WHEN 'ctgov_legacy' THEN 2 ELSE 3 END AS source_rank
    FROM trial_records t
)
SELECT
    doc_id,
    any_value(nct_id) AS nct_id,
    first(title ORDER BY source_rank, version DESC) FILTER (WHERE title IS NOT NULL) AS title,
    first(acronym ORDER BY source_rank, version DESC) FILTER (WHERE acronym IS NOT NULL) AS acronym,
    first(status ORDER BY source_rank, version DESC) FILTER (WHERE status IS NOT NULL) AS status,
    first(phase ORDER BY source_rank, version DESC) FILTER (WHERE phase IS NOT NULL) AS phase,
    first(study_type ORDER BY source_rank, version DESC) FILTER (WHERE study_type IS NOT NULL) AS study_type,
    first(lead_sponsor ORDER BY source_rank, version DESC) FILTER (WHERE lead_sponsor IS NOT NULL) AS lead_sponsor,
    first(sponsor_class ORDER BY source_rank, version DESC) FILTER (WHERE sponsor_class IS NOT NULL) AS sponsor_class,
    first(collaborators ORDER BY source_rank, version DESC) FILTER (WHERE collaborators IS NOT NULL) AS collaborators,
    first(enrollment ORDER BY source_rank, version DESC) FILTER (WHERE enrollment IS NOT NULL) AS enrollment,
    first(conditions ORDER BY source_rank, version DESC) FILTER (WHERE conditions IS NOT NULL) AS conditions,
    first(interventions ORDER BY source_rank, version DESC) FILTER (WHERE interventions IS NOT NULL) AS interventions,
    first(countries ORDER BY source_rank, version DESC) FILTER (WHERE countries IS NOT NULL AND countries <> '[]') AS countries,
    first(start_date ORDER BY source_rank, version DESC) FILTER (WHERE start_date IS NOT NULL) AS start_date,
    first(completion_date ORDER BY source_rank, version DESC) FILTER (WHERE completion_date IS NOT NULL) AS completion_date,
    first(first_posted ORDER BY source_rank, version DESC) FILTER (WHERE first_posted IS NOT NULL) AS first_posted,
    first(last_update_posted ORDER BY source_rank, version DESC) FILTER (WHERE last_update_posted IS NOT NULL) AS last_update_posted,
    first(is_fda_regulated_drug ORDER BY source_rank, version DESC) FILTER (WHERE is_fda_regulated_drug IS NOT NULL) AS is_fda_regulated_drug,
    first(is_fda_regulated_device ORDER BY source_rank, version DESC) FILTER (WHERE is_fda_regulated_device IS NOT NULL) AS is_fda_regulated_device,
    first(has_dmc ORDER BY source_rank, version DESC) FILTER (WHERE has_dmc IS NOT NULL) AS has_dmc,
    first(has_expanded_access ORDER BY source_rank, version DESC) FILTER (WHERE has_expanded_access IS NOT NULL) AS has_expanded_access,
    bool_or(has_results) AS has_results,
    first(url ORDER BY source_rank, version DESC) FILTER (WHERE url IS NOT NULL) AS url
FROM ranked
GROUP BY doc_id;
CREATE OR REPLACE VIEW trial_best AS SELECT * FROM trial_best_t;
