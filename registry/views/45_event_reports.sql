-- One row per document x present thrombotic event, with the product profile, setting, year,
-- country and evidence. Events come from the text (NLP mentions with status 'present') and
-- from trial results (a mapped adverse event with numAffected > 0 in an arm given cells);
-- when both report the same term the text evidence is kept and evidence_sources lists both.

CREATE OR REPLACE TABLE event_reports_t AS
WITH
text_events AS (
    SELECT doc_id, key AS term, 'text' AS evidence_source, text, sentence, start, "end",
           extractor_version, 1 AS pref
    FROM current_mentions
    WHERE field = 'event' AND status = 'present' AND key IS NOT NULL
),
result_events AS (
    SELECT doc_id, event_key AS term, 'trial_results' AS evidence_source,
           term || ' (' || coalesce(group_title, group_id, 'arm') || '): ' || num_affected
               || coalesce('/' || num_at_risk, '') AS text,
           NULL AS sentence, NULL AS start, NULL AS "end", NULL AS extractor_version, 2 AS pref
    FROM trial_results_events_t
    WHERE num_affected > 0 AND arm_role <> 'control'
),
all_events AS (SELECT * FROM text_events UNION ALL SELECT * FROM result_events),
best AS (
    SELECT doc_id, term,
           list(DISTINCT evidence_source ORDER BY evidence_source) AS evidence_sources,
           arg_min(evidence_source, (pref, coalesce(start, 0))) AS evidence_source,
           arg_min(text, (pref, coalesce(start, 0))) AS text,
           arg_min(sentence, (pref, coalesce(start, 0))) AS sentence,
           arg_min(start, (pref, coalesce(start, 0))) AS start,
           arg_min("end", (pref, coalesce(start, 0))) AS "end",
           arg_min(extractor_version, (pref, coalesce(start, 0))) AS extractor_version
    FROM all_events
    GROUP BY doc_id, term
)
SELECT b.doc_id, c.source, c.source_kind, c.title, c.url, c.year, c.country,
       s.setting, s.setting_rule,
       b.term, v.label AS event_label, nullif(v.mesh_id, '') AS mesh_id,
       b.evidence_source, b.evidence_sources, b.text, b.sentence, b.start, b."end",
       b.extractor_version,
       p.tissue_sources, p.donors, p.routes, p.route_classes, p.route_class,
       p.dose_per_kg_min, p.dose_per_kg_max, p.dose_total_min, p.dose_total_max,
       p.dose_total_estimated
FROM best b
JOIN current_versions c USING (doc_id)
LEFT JOIN vocab_events v ON v.key = b.term
LEFT JOIN document_settings s USING (doc_id)
LEFT JOIN document_products_t p USING (doc_id);

CREATE OR REPLACE VIEW event_reports AS SELECT * FROM event_reports_t;
