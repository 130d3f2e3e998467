-- Documents and documents with a present thrombotic event, by tissue source x route class x
-- setting x year x event term. A document with two tissue sources counts under each; its
-- route class is its primary one (product_profiles). term = 'any_thrombotic' rows exist for
-- every profile cell, zero events included, so they give the full denominator grid.

CREATE OR REPLACE TABLE product_event_counts_t AS
WITH
profile AS (
    SELECT t.doc_id, t.tissue_source, p.route_class,
           coalesce(s.setting, 'unknown') AS setting, c.year
    FROM document_tissues t
    JOIN document_products_t p USING (doc_id)
    JOIN current_versions c USING (doc_id)
    LEFT JOIN document_settings s USING (doc_id)
),
cells AS (
    SELECT tissue_source, route_class, setting, year, count(DISTINCT doc_id) AS documents
    FROM profile GROUP BY ALL
),
doc_events AS (
    SELECT DISTINCT doc_id, term FROM event_reports_t
    UNION ALL
    SELECT DISTINCT doc_id, 'any_thrombotic' FROM event_reports_t
),
hits AS (
    SELECT p.tissue_source, p.route_class, p.setting, p.year, e.term,
           count(DISTINCT p.doc_id) AS event_documents
    FROM profile p JOIN doc_events e USING (doc_id)
    GROUP BY ALL
),
grid AS (
    SELECT c.*, 'any_thrombotic' AS term FROM cells c
    UNION
    SELECT c.*, h.term FROM cells c
    JOIN hits h USING (tissue_source, route_class, setting, year)
)
SELECT g.tissue_source, g.route_class, g.setting, g.year, g.term, g.documents,
       coalesce(h.event_documents, 0) AS event_documents,
       coalesce(h.event_documents, 0)::DOUBLE / g.documents AS event_rate
FROM grid g
LEFT JOIN hits h
  ON h.tissue_source = g.tissue_source AND h.route_class = g.route_class
 AND h.setting = g.setting AND h.year IS NOT DISTINCT FROM g.year AND h.term = g.term;

CREATE OR REPLACE VIEW product_event_counts AS SELECT * FROM product_event_counts_t;
