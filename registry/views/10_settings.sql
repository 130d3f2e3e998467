-- How well regulated each document's setting is, with the reason that decided it.
-- Trial registrations: structured fields first (a phase and an accountable sponsor make a
-- regulated trial), overridden by the text's pay-to-participate / seller signals.
CREATE OR REPLACE VIEW document_settings AS
SELECT
    c.doc_id,
    CASE
        WHEN c.source_kind = 'trial_registration' AND e.setting IN ('registered_unverified', 'approved_product')
            THEN e.setting
        WHEN c.source_kind = 'trial_registration'
             AND t.phase IS NOT NULL AND t.phase <> 'NA'
            THEN 'regulated_trial'
        WHEN c.source_kind = 'trial_registration' THEN 'registered_unverified'
        WHEN c.source_kind = 'clinic_ad' THEN 'clinic_direct_to_consumer'
        WHEN c.source_kind = 'regulatory_action' THEN 'regulatory_action'
        ELSE coalesce(e.setting, 'unknown')
    END AS setting,
    CASE
        WHEN c.source_kind = 'trial_registration' AND e.setting IN ('registered_unverified', 'approved_product')
            THEN 'text signals: ' || e.setting
        WHEN c.source_kind = 'trial_registration' AND t.phase IS NOT NULL AND t.phase <> 'NA'
            THEN 'registered with phase ' || t.phase || ', sponsor class ' || coalesce(t.sponsor_class, '?')
        WHEN c.source_kind = 'trial_registration' THEN 'registered without a phase'
        WHEN c.source_kind IN ('clinic_ad', 'regulatory_action') THEN 'source kind ' || c.source_kind
        ELSE 'text signals'
    END AS setting_reason
FROM current_versions c
LEFT JOIN current_extractions e USING (doc_id)
LEFT JOIN trial_best t USING (doc_id);
