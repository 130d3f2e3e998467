-- Product profile per document: tissue source(s), donor, routes and route class, dose.
-- route_class is the document's primary class: intravascular when any route is intravascular
-- (the exposure that matters for thrombosis), else local, else other, else 'not_stated'.
-- A total-cell dose derived from a per-kg dose at 70 kg is flagged dose_total_estimated.
-- Materialised at build time; product_profiles is the public view.

CREATE OR REPLACE TABLE document_products_t AS
WITH
sets AS (
    SELECT m.doc_id,
           list(DISTINCT m.key ORDER BY m.key) FILTER (WHERE m.field = 'tissue_sources') AS tissue_sources,
           list(DISTINCT m.key ORDER BY m.key) FILTER (WHERE m.field = 'donor') AS donors,
           list(DISTINCT m.key ORDER BY m.key) FILTER (WHERE m.field = 'routes') AS routes,
           list(DISTINCT v.route_class ORDER BY v.route_class) FILTER (WHERE m.field = 'routes' AND v.route_class IS NOT NULL) AS route_classes,
           min(m.cells) FILTER (WHERE m.field = 'dose' AND m.per_kg) AS dose_per_kg_min,
           max(m.cells) FILTER (WHERE m.field = 'dose' AND m.per_kg) AS dose_per_kg_max,
           min(m.cells) FILTER (WHERE m.field = 'dose' AND NOT coalesce(m.per_kg, FALSE)) AS dose_stated_total_min,
           max(m.cells) FILTER (WHERE m.field = 'dose' AND NOT coalesce(m.per_kg, FALSE)) AS dose_stated_total_max,
           count(*) FILTER (WHERE m.field = 'dose') AS doses
    FROM current_mentions m
    LEFT JOIN vocab_routes v ON v.key = m.key AND m.field = 'routes'
    WHERE m.field IN ('tissue_sources', 'donor', 'routes', 'dose') AND (m.key IS NOT NULL OR m.field = 'dose')
    GROUP BY m.doc_id
)
SELECT c.doc_id,
       coalesce(s.tissue_sources, []) AS tissue_sources,
       coalesce(s.donors, []) AS donors,
       coalesce(s.routes, []) AS routes,
       coalesce(s.route_classes, []) AS route_classes,
       CASE WHEN list_contains(s.route_classes, 'intravascular') THEN 'intravascular'
            WHEN list_contains(s.route_classes, 'local') THEN 'local'
            WHEN list_contains(s.route_classes, 'other') THEN 'other'
            ELSE 'not_stated' END AS route_class,
       s.dose_per_kg_min, s.dose_per_kg_max,
       coalesce(s.dose_stated_total_min, s.dose_per_kg_min * 70) AS dose_total_min,
       coalesce(s.dose_stated_total_max, s.dose_per_kg_max * 70) AS dose_total_max,
       s.dose_stated_total_min IS NULL AND s.dose_per_kg_min IS NOT NULL AS dose_total_estimated,
       coalesce(s.doses, 0) AS doses
FROM current_versions c
LEFT JOIN sets s USING (doc_id);

CREATE OR REPLACE VIEW product_profiles AS
SELECT p.*, d.setting, d.setting_rule, d.approved_products
FROM document_products_t p
LEFT JOIN document_settings d USING (doc_id);

-- One row per document x tissue source ('not_stated' when none): the unit of the counts.
CREATE OR REPLACE VIEW document_tissues AS
SELECT doc_id, unnest(CASE WHEN len(tissue_sources) = 0 THEN ['not_stated'] ELSE tissue_sources END) AS tissue_source
FROM document_products_t;
