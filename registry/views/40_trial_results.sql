-- ClinicalTrials.gov results adverse events mapped to the event vocabulary (ref_ae_term_map:
-- the first rule by priority whose pattern matches the lower-cased term and whose exclusion
-- does not), per arm with numAffected / numAtRisk, and the trial's product profile.

-- The rule id that maps one AE term (null when no rule matches); usable on any term in SQL.
CREATE OR REPLACE MACRO cv_ae_rule(t) AS (
    SELECT r.rule_id FROM ref_ae_term_map r
    WHERE regexp_matches(lower(t), r.pattern)
      AND (r.exclude_pattern IS NULL OR NOT regexp_matches(lower(t), r.exclude_pattern))
    ORDER BY r.priority LIMIT 1);

CREATE OR REPLACE VIEW trial_ae_mapped AS
SELECT a.*, r.rule_id, r.event_key
FROM trial_adverse_events a
JOIN current_versions c USING (doc_id, version)
LEFT JOIN ref_ae_term_map r ON r.rule_id = cv_ae_rule(a.term);

CREATE OR REPLACE MACRO cv_arm_role(title, description) AS CASE
    WHEN regexp_matches(lower(coalesce(title, '')), '^\s*(total|all (participants|patients|subjects))\s*$') THEN 'total'
    WHEN regexp_matches(lower(coalesce(title, '')), '(msc|stem|stromal|cell|remestemcel|prochymal|\bmpc)') THEN 'cells'
    WHEN regexp_matches(lower(coalesce(title, '') || ' ' || coalesce(description, '')),
                        '(placebo|control|standard (of )?care|usual care|vehicle|sham|saline|conventional|best available)') THEN 'control'
    ELSE 'cells' END;

CREATE OR REPLACE TABLE trial_results_events_t AS
SELECT t.nct_id, m.doc_id, m.group_id, m.group_title, m.group_description,
       cv_arm_role(m.group_title, m.group_description) AS arm_role,
       m.term, m.organ_system, m.serious, m.source_vocabulary,
       m.event_key, v.label AS event_label, nullif(v.mesh_id, '') AS mesh_id, m.rule_id,
       m.num_affected, m.num_at_risk, m.num_events,
       CASE WHEN m.num_at_risk > 0 THEN m.num_affected::DOUBLE / m.num_at_risk END AS incidence,
       p.tissue_sources, p.donors, p.routes, p.route_class, s.setting
FROM trial_ae_mapped m
JOIN vocab_events v ON v.key = m.event_key
LEFT JOIN trial_best t USING (doc_id)
LEFT JOIN document_products_t p USING (doc_id)
LEFT JOIN document_settings s USING (doc_id);

CREATE OR REPLACE VIEW trial_results_events AS SELECT * FROM trial_results_events_t;

-- Every results arm with its size, so incidence can be compared by tissue and route.
CREATE OR REPLACE VIEW trial_results_arms AS
SELECT t.nct_id, a.doc_id, a.group_id, any_value(a.group_title) AS group_title,
       cv_arm_role(any_value(a.group_title), any_value(a.group_description)) AS arm_role,
       max(a.num_at_risk) AS num_at_risk,
       max(a.num_affected) FILTER (WHERE a.event_key IS NOT NULL) AS thrombotic_affected_max,
       count(*) FILTER (WHERE a.event_key IS NOT NULL) AS thrombotic_terms,
       any_value(p.tissue_sources) AS tissue_sources, any_value(p.route_class) AS route_class,
       any_value(s.setting) AS setting
FROM trial_ae_mapped a
LEFT JOIN trial_best t USING (doc_id)
LEFT JOIN document_products_t p USING (doc_id)
LEFT JOIN document_settings s USING (doc_id)
GROUP BY t.nct_id, a.doc_id, a.group_id;
