-- Clinics: one row per business, from the crawled clinic pages (grouped by web domain) and from
-- the firms named by regulator documents (warning letters, court cases) that match no page.
-- Tissues and routes advertised are the union over the clinic's pages; regulator actions are
-- the regulator documents linked to it (document_links) or naming the same firm.

CREATE OR REPLACE TABLE clinics_t AS
WITH
pages AS (
    SELECT c.doc_id, c.url, c.title, c.year, c.country, cv_host(c.url) AS domain,
           regexp_extract(cv_host(c.url), '^([a-z0-9-]+)', 1) AS label,
           nullif(trim(regexp_extract(c.title, '\s[|–—-]\s([^|–—]+)$', 1)), '') AS site_name
    FROM current_versions c WHERE c.source_kind = 'clinic_ad' AND c.url IS NOT NULL
),
page_facts AS (
    SELECT p.domain,
           flatten(list(pp.tissue_sources)) AS tissues, flatten(list(pp.routes)) AS routes,
           flatten(list(pp.route_classes)) AS rclasses
    FROM pages p JOIN document_products_t pp USING (doc_id) GROUP BY p.domain
),
page_events AS (
    SELECT p.domain, list(DISTINCT e.term ORDER BY e.term) AS events
    FROM pages p JOIN event_reports_t e USING (doc_id) GROUP BY p.domain
),
actions AS (   -- regulator document -> clinic domain
    SELECT DISTINCT p.domain, l.doc_id AS action_doc
    FROM document_links_t l JOIN pages p ON p.doc_id = l.linked_doc_id
    WHERE l.link_type = 'regulator_to_clinic'
),
letters AS (
    SELECT doc_id, url, year, country, cv_firm_slug(url) AS slug
    FROM current_versions WHERE source_kind = 'regulatory_action'
),
page_clinics AS (
    SELECT 'domain:' || p.domain AS clinic_id,
           CASE WHEN count(p.site_name) >= 2 AND count(DISTINCT p.site_name) = 1 THEN any_value(p.site_name)
                ELSE any_value(p.label) END AS business,
           p.domain,
           coalesce(mode(p.country), upper(nullif(regexp_extract(p.domain, '\.([a-z]{2})$', 1), ''))) AS country,
           'clinic_pages' AS known_from,
           count(*) AS pages, list(p.url ORDER BY p.url) AS urls,
           min(p.year) AS first_year, max(p.year) AS last_year
    FROM pages p GROUP BY p.domain
),
firm_clinics AS (   -- firms named only by regulator documents
    SELECT 'firm:' || l.slug AS clinic_id, replace(l.slug, '-', ' ') AS business, NULL AS domain,
           mode(l.country) AS country, 'regulator_action' AS known_from, 0 AS pages,
           []::VARCHAR[] AS urls, min(l.year) AS first_year, max(l.year) AS last_year
    FROM letters l
    WHERE l.slug IS NOT NULL
      AND l.doc_id NOT IN (SELECT action_doc FROM actions)
    GROUP BY l.slug
),
firm_actions AS (
    SELECT 'firm:' || slug AS clinic_id, doc_id AS action_doc FROM letters WHERE slug IS NOT NULL
    UNION
    SELECT 'domain:' || domain, action_doc FROM actions
),
action_lists AS (
    SELECT f.clinic_id, count(DISTINCT f.action_doc) AS regulator_actions,
           list(DISTINCT f.action_doc ORDER BY f.action_doc) AS regulator_action_ids,
           list(DISTINCT l.url ORDER BY l.url) AS regulator_action_urls,
           max(l.year) AS last_action_year
    FROM firm_actions f JOIN letters l ON l.doc_id = f.action_doc
    GROUP BY f.clinic_id
),
base AS (SELECT * FROM page_clinics UNION ALL SELECT * FROM firm_clinics)
SELECT b.clinic_id, b.business, b.domain, b.country, b.known_from, b.pages, b.urls,
       b.first_year, b.last_year,
       list_sort(list_distinct(coalesce(f.tissues, []))) AS tissues_advertised,
       list_sort(list_distinct(coalesce(f.routes, []))) AS routes_advertised,
       list_sort(list_distinct(coalesce(f.rclasses, []))) AS route_classes_advertised,
       coalesce(e.events, []) AS events_present,
       coalesce(a.regulator_actions, 0) AS regulator_actions,
       coalesce(a.regulator_action_ids, []) AS regulator_action_ids,
       coalesce(a.regulator_action_urls, []) AS regulator_action_urls,
       a.last_action_year
FROM base b
LEFT JOIN page_facts f USING (domain)
LEFT JOIN page_events e USING (domain)
LEFT JOIN action_lists a USING (clinic_id);

CREATE OR REPLACE VIEW clinics AS SELECT * FROM clinics_t;
