-- Links across sources: a paper citing an NCT id -> that trial; a regulator document -> the
-- clinic pages of the same domain or firm; a paper delivered by several sources -> one document.

CREATE OR REPLACE MACRO cv_firm_slug(u) AS coalesce(
    nullif(regexp_extract(lower(coalesce(u, '')), 'warning-letters/([a-z0-9-]+?)-\d{5,}', 1), ''),
    nullif(regexp_extract(lower(coalesce(u, '')), 'united-states-v-([a-z0-9-]+?)/?$', 1), ''));

CREATE OR REPLACE TABLE document_links_t AS
WITH
cur AS (SELECT doc_id, source_kind, url, title, text FROM current_versions),
cites AS (
    SELECT DISTINCT doc_id, 'nct:' || nct AS linked_doc_id, 'cites_trial' AS link_type, nct AS evidence
    FROM (SELECT doc_id, unnest(regexp_extract_all(upper(coalesce(title, '') || ' ' || coalesce(text, '')), 'NCT\d{8}')) AS nct
          FROM cur WHERE source_kind <> 'trial_registration')
    WHERE 'nct:' || nct IN (SELECT doc_id FROM cur)
),
clinic_pages AS (
    SELECT doc_id, cv_host(url) AS host, cv_key(regexp_extract(cv_host(url), '^([a-z0-9-]+)', 1)) AS k
    FROM cur WHERE source_kind = 'clinic_ad' AND url IS NOT NULL
),
letters AS (
    SELECT doc_id, lower(coalesce(title, '') || ' ' || coalesce(text, '')) AS body,
           cv_key(cv_firm_slug(url)) AS firm_key
    FROM cur WHERE source_kind = 'regulatory_action'
),
regulator AS (
    SELECT l.doc_id, p.doc_id AS linked_doc_id, 'regulator_to_clinic' AS link_type,
           CASE WHEN contains(l.body, p.host) THEN 'domain ' || p.host ELSE 'firm ' || p.k END AS evidence
    FROM letters l JOIN clinic_pages p
      ON contains(l.body, p.host)
      OR (len(p.k) >= 6 AND l.firm_key IS NOT NULL AND len(l.firm_key) >= 6
          AND (contains(l.firm_key, p.k) OR contains(p.k, l.firm_key)))
),
merged AS (
    SELECT s.doc_id, s.doc_id AS linked_doc_id, 'same_document' AS link_type,
           s.source || ':' || s.external_id AS evidence
    FROM document_sources s
    WHERE s.doc_id IN (SELECT doc_id FROM document_sources GROUP BY doc_id HAVING count(*) > 1)
)
SELECT * FROM cites
UNION ALL SELECT * FROM regulator
UNION ALL SELECT * FROM merged;

CREATE OR REPLACE VIEW document_links AS SELECT * FROM document_links_t;
