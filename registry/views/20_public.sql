-- Public views: a stable interface for researchers and other tools (docs/data_dictionary.md).

-- Saved as a table at build time (a join of two large tables per query costs ~200 ms at scale).
CREATE OR REPLACE TABLE documents_t AS
SELECT c.doc_id, c.source, c.source_kind, c.external_id, c.url, c.title, c.year, c.country,
       s.setting, c.fetched_at, c.version, c.content_sha256, c.provenance
FROM current_versions_t c
LEFT JOIN document_settings s USING (doc_id);
CREATE OR REPLACE VIEW documents AS SELECT * FROM documents_t;

CREATE OR REPLACE VIEW tissue_sources AS
SELECT m.doc_id, m.key AS tissue_source, m.text, m.sentence, m.start, m."end",
       m.extractor_version
FROM current_mentions m
WHERE m.field = 'tissue_sources';

CREATE OR REPLACE VIEW donors AS
SELECT m.doc_id, m.key AS donor, m.text, m.sentence, m.start, m."end", m.extractor_version
FROM current_mentions m
WHERE m.field = 'donor';

CREATE OR REPLACE VIEW routes AS
SELECT m.doc_id, m.key AS route, v.route_class, m.text, m.sentence, m.start, m."end",
       m.extractor_version
FROM current_mentions m
LEFT JOIN vocab_routes v ON v.key = m.key
WHERE m.field = 'routes';

CREATE OR REPLACE VIEW doses AS
SELECT m.doc_id, m.cells, m.per_kg, m.text, m.sentence, m.start, m."end", m.extractor_version
FROM current_mentions m
WHERE m.field = 'dose';

CREATE OR REPLACE VIEW events AS
SELECT m.doc_id, m.key AS term, m.status, v.mesh_id, m.text, m.sentence, m.start, m."end",
       m.extractor_version
FROM current_mentions m
LEFT JOIN vocab_events v ON v.key = m.key
WHERE m.field = 'event';

CREATE OR REPLACE VIEW trials AS
SELECT t.nct_id, t.doc_id, t.title, t.acronym, t.status, t.phase, t.study_type,
       t.lead_sponsor, t.sponsor_class,
       from_json(t.collaborators, '["VARCHAR"]') AS collaborators,
       t.enrollment,
       from_json(t.conditions, '["VARCHAR"]') AS conditions,
       from_json(t.interventions, '["VARCHAR"]') AS interventions,
       from_json(t.countries, '["VARCHAR"]') AS countries,
       t.start_date, TRY_CAST(left(t.start_date, 4) AS INTEGER) AS start_year,
       t.completion_date, t.first_posted, t.last_update_posted,
       t.is_fda_regulated_drug, t.is_fda_regulated_device, t.has_dmc, t.has_expanded_access,
       t.has_results, t.url, s.setting
FROM trial_best t
LEFT JOIN document_settings s USING (doc_id);
