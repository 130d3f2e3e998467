-- How well regulated each document's setting is, with every reason found and the rule that decided.
-- Trial registrations: an approved product used outside a phase 1-3 trial -> approved_product;
-- pay-to-participate wording or a sponsor that sells the treatment -> registered_unverified;
-- else a phase (record, or text when there is no record), an accountable sponsor or a named
-- regulator -> regulated_trial. Clinic pages and regulator letters by their kind. Publications
-- from their text: a cited registration, clinic / medical-tourism wording, an approved product,
-- trial wording, else the NLP's setting, else unknown.
-- The result is materialised at build time (regex over every text is too slow per query).

CREATE OR REPLACE MACRO cv_body(title, body) AS lower(coalesce(title, '') || chr(10) || coalesce(body, ''));
CREATE OR REPLACE MACRO cv_key(s) AS regexp_replace(lower(coalesce(s, '')), '[^a-z0-9]', '', 'g');
CREATE OR REPLACE MACRO cv_host(u) AS
    regexp_replace(lower(regexp_extract(coalesce(u, ''), '^[A-Za-z]+://([^/:?#]+)', 1)), '^www\.', '');

-- Regex signals (lower-case text), one constant macro each (a constant pattern is compiled
-- once; a pattern read from a table would be compiled per row), listed in ref_setting_patterns.
CREATE OR REPLACE MACRO cv_re_phase() AS '\bphase\s*(i{1,3}|iv|[1-4])([ab]|\s*/\s*(i{1,3}|iv|[1-4])[ab]?)?\b';
CREATE OR REPLACE MACRO cv_re_regulator() AS '\b(fda|food and drug administration|investigational new drug|european medicines agency|ema|health canada|medical products? agency|agency of medication|medicines agency|pmda|mfds|kfda|cdsco|dcgi|anvisa|cofepris|nmpa|cfda|therapeutic goods administration|eudract|regulatory authorit(y|ies))\b';
CREATE OR REPLACE MACRO cv_re_design() AS '\b(randomi[sz]ed|double[- ]blind(ed)?|placebo|controlled (trial|study|clinical)|open[- ]label|dose[- ]escalation|first[- ]in[- ]human|single[- ]arm|multi-?cent(er|re)|rct)\b';
CREATE OR REPLACE MACRO cv_re_pay_to_participate() AS '\b(patient[- ]funded|self[- ]funded|privately funded|pay[- ]to[- ]participate|(participants|patients|subjects) (will )?(pay|be charged)|out[- ]of[- ]pocket|at (their|his|her) own (expense|cost)|participation fee|treatment fees?|paid by (the )?(patient|participant)s?|responsible for the cost)';
CREATE OR REPLACE MACRO cv_re_approved_use() AS '(marketing authori[sz]ation|post[- ]?marketing|post[- ]authori[sz]ation|approved (its|the) (application|use)|(is|was|been) (approved|authori[sz]ed|licensed) (by|in|for)|marketed product|routine (clinical )?(practice|care)|real[- ]world|commercially available|observational|nationwide|national (implementation|project|registry))';
CREATE OR REPLACE MACRO cv_re_commercial_link() AS '(https?://|www\.)[a-z0-9.-]+\.(com|net|biz|clinic|health)\b';
CREATE OR REPLACE MACRO cv_re_clinic() AS '(stem cell clinics?|medical tourism|stem cell tourism|direct[- ]to[- ]consumer|unproven (stem cell )?(treatment|therap|intervention|procedure)|unlicensed (clinic|stem)|private clinics?|for[- ]profit clinics?)';
CREATE OR REPLACE MACRO cv_re_seller_sponsor() AS '((medical|clinic|clinics|wellness|anti-?aging|longevity|aesthetics?)[ ,]+(llc|pllc|l\.l\.c\.?|inc\.?|ltd\.?|group|p\.?a\.?)$|\bstem cells?( (llc|inc\.?|ltd\.?))?$|stem cell (center|centre|clinic|institute)|regenerative medicine (llc|inc|clinic|center|centre|institute))';
CREATE OR REPLACE MACRO cv_re_academic_sponsor() AS '(universit|college|school of medicine|institut|national|academy|ministry|research (center|centre|council|foundation)|cancer center|medical center|medical centre|clinic foundation|\bnih\b|\bnhs\b|mayo clinic|cleveland clinic|assistance publique|charit)';

CREATE OR REPLACE TABLE ref_setting_patterns AS
SELECT * FROM (VALUES
    ('phase', cv_re_phase()),
    ('regulator', cv_re_regulator()),
    ('design', cv_re_design()),
    ('pay_to_participate', cv_re_pay_to_participate()),
    ('approved_use', cv_re_approved_use()),
    ('commercial_link', cv_re_commercial_link()),
    ('clinic', cv_re_clinic()),
    ('seller_sponsor', cv_re_seller_sponsor()),
    ('academic_sponsor', cv_re_academic_sponsor())
) AS p(signal, pattern);

CREATE OR REPLACE TABLE document_settings_t AS
WITH
docs AS MATERIALIZED (
    SELECT c.doc_id, c.source_kind, c.url, cv_body(c.title, c.text) AS body,
           t.phase, t.sponsor_class, t.lead_sponsor, t.study_type,
           t.is_fda_regulated_drug, t.is_fda_regulated_device, t.has_dmc, t.has_expanded_access,
           t.doc_id IS NOT NULL AS has_record,
           e.setting AS nlp_setting
    FROM current_versions c
    LEFT JOIN trial_best t USING (doc_id)
    LEFT JOIN current_extractions e USING (doc_id)
),
clinic_keys AS (   -- business keys of crawled clinics: the first label of each page's host
    SELECT DISTINCT regexp_extract(cv_host(url), '^([a-z0-9-]+)', 1) AS k
    FROM current_versions WHERE source_kind = 'clinic_ad' AND url IS NOT NULL
),
product_hits AS (
    SELECT d.doc_id,
           list(DISTINCT p.product ORDER BY p.product) AS products,
           string_agg(DISTINCT p.product || ' (' || p.jurisdiction || ' ' || coalesce(p.approval_year::VARCHAR, '?')
                      || coalesce(', ' || p.status, '') || ')', '; ') AS described
    FROM (SELECT doc_id, body FROM docs WHERE regexp_matches(body, cv_re_approved_product())) d
    JOIN ref_approved_products p ON regexp_matches(d.body, p.match_pattern)
    GROUP BY d.doc_id
),
sponsor_labels AS (   -- (doc, sponsor key, a web-site label found in the text or a crawled clinic's key)
    SELECT doc_id, sk, replace(l, '-', '') AS l, 'site' AS via
    FROM (SELECT d.doc_id, cv_key(d.lead_sponsor) AS sk,
                 unnest(regexp_extract_all(d.body, '(?:https?://(?:www\.)?|www\.)([a-z0-9-]+)\.', 1)) AS l
          FROM docs d WHERE d.lead_sponsor IS NOT NULL)
    WHERE len(l) >= 5 AND l <> 'clinicaltrials'
    UNION ALL
    SELECT d.doc_id, cv_key(d.lead_sponsor), replace(k.k, '-', ''), 'clinic'
    FROM docs d CROSS JOIN clinic_keys k
    WHERE d.lead_sponsor IS NOT NULL AND len(k.k) >= 6
),
sponsor_links AS (
    SELECT doc_id,
           bool_or(via = 'site') AS sponsor_site,
           bool_or(via = 'clinic') AS sponsor_clinic
    FROM sponsor_labels
    WHERE len(sk) >= 5 AND (contains(sk, l) OR contains(l, sk))
    GROUP BY doc_id
),
flags AS (
    SELECT d.*,
           ph.products AS approved_products, ph.described AS approved_described,
           regexp_matches(d.body, cv_re_phase()) AS text_phase,
           regexp_matches(d.body, cv_re_regulator()) AS text_regulator,
           regexp_matches(d.body, cv_re_design()) AS text_design,
           regexp_matches(d.body, cv_re_pay_to_participate()) AS text_pay,
           regexp_matches(d.body, cv_re_approved_use()) AS text_approved_use,
           regexp_matches(d.body, cv_re_clinic()) AS text_clinic,
           regexp_matches(d.body, cv_re_commercial_link()) AS text_commercial_link,
           regexp_matches(lower(coalesce(d.lead_sponsor, '')), cv_re_seller_sponsor()) AS seller_name,
           regexp_matches(lower(coalesce(d.lead_sponsor, '')), cv_re_academic_sponsor()) AS academic_name,
           coalesce(sp.sponsor_site, FALSE) AS sponsor_site,
           coalesce(sp.sponsor_clinic, FALSE) AS sponsor_clinic,
           d.phase IS NOT NULL AND d.phase LIKE '%PHASE%' AS record_phase,
           d.phase IS NOT NULL AND d.phase LIKE '%PHASE%' AND NOT regexp_matches(d.phase, 'PHASE[123]') AS phase4_only,
           regexp_extract_all(upper(d.body), 'NCT\d{8}') AS cited_ncts
    FROM docs d LEFT JOIN product_hits ph USING (doc_id)
    LEFT JOIN sponsor_links sp USING (doc_id)
),
trial AS (
    SELECT f.*,
        CASE
            WHEN f.approved_products IS NOT NULL AND CASE
                    WHEN f.has_record THEN NOT coalesce(f.record_phase AND NOT f.phase4_only, FALSE)
                    ELSE NOT f.text_phase AND f.text_approved_use END
                THEN 'trial.approved_product'
            WHEN f.text_pay THEN 'trial.pay_to_participate'
            WHEN f.seller_name OR f.sponsor_site OR f.sponsor_clinic THEN 'trial.seller_sponsor'
            WHEN NOT f.has_record AND f.text_commercial_link THEN 'trial.text_commercial_link'
            WHEN f.record_phase THEN 'trial.record_phase'
            WHEN f.has_record AND (f.is_fda_regulated_drug OR f.is_fda_regulated_device
                                   OR f.text_regulator OR f.sponsor_class IN ('NIH', 'FED', 'OTHER_GOV')
                                   OR (f.sponsor_class = 'OTHER' AND f.academic_name))
                THEN 'trial.accountable_without_phase'
            WHEN f.has_record THEN 'trial.no_phase_no_regulator'
            WHEN f.text_phase OR f.text_regulator OR f.text_design THEN 'trial.text_trial_wording'
            ELSE 'trial.text_no_red_flag'
        END AS trial_rule
    FROM flags f
),
trial_set AS (
    SELECT t.*,
        CASE t.trial_rule
            WHEN 'trial.approved_product' THEN 'approved_product'
            WHEN 'trial.record_phase' THEN 'regulated_trial'
            WHEN 'trial.accountable_without_phase' THEN 'regulated_trial'
            WHEN 'trial.text_trial_wording' THEN 'regulated_trial'
            WHEN 'trial.text_no_red_flag' THEN 'regulated_trial'
            ELSE 'registered_unverified'
        END AS trial_setting
    FROM trial t
),
cited AS (   -- publications citing a registration held in the registry: the best-regulated one
    SELECT t.doc_id,
           arg_min(c.trial_setting, s.rank) AS cited_setting,
           string_agg(DISTINCT replace(c.doc_id, 'nct:', ''), ', ') AS cited_ids
    FROM (SELECT doc_id, unnest(cited_ncts) AS nct FROM trial_set WHERE source_kind = 'publication') t
    JOIN trial_set c ON c.doc_id = 'nct:' || t.nct AND c.source_kind = 'trial_registration'
    JOIN vocab_settings s ON s.key = c.trial_setting
    GROUP BY t.doc_id
)
SELECT
    t.doc_id,
    CASE t.source_kind
        WHEN 'trial_registration' THEN t.trial_setting
        WHEN 'clinic_ad' THEN 'clinic_direct_to_consumer'
        WHEN 'regulatory_action' THEN 'regulatory_action'
        ELSE CASE
            WHEN c.cited_setting IS NOT NULL THEN c.cited_setting
            WHEN t.text_clinic THEN 'clinic_direct_to_consumer'
            WHEN t.approved_products IS NOT NULL AND NOT t.text_phase THEN 'approved_product'
            WHEN t.text_phase OR t.text_regulator THEN 'regulated_trial'
            WHEN t.nlp_setting IS NOT NULL THEN t.nlp_setting
            ELSE 'unknown' END
    END AS setting,
    CASE t.source_kind
        WHEN 'trial_registration' THEN t.trial_rule
        WHEN 'clinic_ad' THEN 'kind.clinic_page'
        WHEN 'regulatory_action' THEN 'kind.regulator_document'
        ELSE CASE
            WHEN c.cited_setting IS NOT NULL THEN 'publication.cites_registration'
            WHEN t.text_clinic THEN 'publication.clinic_wording'
            WHEN t.approved_products IS NOT NULL AND NOT t.text_phase THEN 'publication.approved_product'
            WHEN t.text_phase OR t.text_regulator THEN 'publication.trial_wording'
            WHEN t.nlp_setting IS NOT NULL THEN 'publication.nlp_setting'
            ELSE 'publication.no_signal' END
    END AS setting_rule,
    list_filter([
        CASE WHEN t.approved_products IS NOT NULL THEN 'names approved product ' || t.approved_described END,
        CASE WHEN t.record_phase THEN 'registered phase ' || t.phase
             WHEN t.phase = 'NA' THEN 'registered phase: not applicable'
             WHEN t.has_record THEN 'no phase registered'
             WHEN t.source_kind = 'trial_registration' THEN 'no structured trial record (text only)' END,
        CASE WHEN t.lead_sponsor IS NOT NULL THEN 'lead sponsor ' || t.lead_sponsor || ' (' || coalesce(t.sponsor_class, '?') || ')' END,
        CASE WHEN t.is_fda_regulated_drug THEN 'FDA-regulated drug' END,
        CASE WHEN t.is_fda_regulated_device THEN 'FDA-regulated device' END,
        CASE WHEN t.has_dmc THEN 'data monitoring committee' END,
        CASE WHEN t.has_expanded_access OR upper(t.study_type) LIKE 'EXPANDED%' THEN 'expanded access' END,
        CASE WHEN t.text_pay THEN 'text: pay-to-participate wording' END,
        CASE WHEN t.seller_name THEN 'sponsor name reads as a seller of the treatment' END,
        CASE WHEN t.sponsor_site THEN 'text links to the sponsor''s own website' END,
        CASE WHEN t.sponsor_clinic THEN 'sponsor found among the crawled clinics' END,
        CASE WHEN t.text_commercial_link THEN 'text: links to a commercial website' END,
        CASE WHEN t.text_phase AND NOT t.record_phase THEN 'text: trial phase' END,
        CASE WHEN t.text_regulator THEN 'text: names a regulator' END,
        CASE WHEN t.text_design AND t.source_kind <> 'trial_registration' OR (t.text_design AND NOT t.has_record) THEN 'text: trial design wording' END,
        CASE WHEN t.text_approved_use THEN 'text: approved / routine-use wording' END,
        CASE WHEN t.text_clinic AND t.source_kind = 'publication' THEN 'text: stem cell clinic / medical tourism wording' END,
        CASE WHEN c.cited_ids IS NOT NULL THEN 'cites registration ' || c.cited_ids || ' (' || c.cited_setting || ')' END,
        CASE WHEN t.source_kind IN ('clinic_ad', 'regulatory_action') THEN 'source kind ' || t.source_kind END,
        CASE WHEN t.nlp_setting IS NOT NULL THEN 'nlp setting ' || t.nlp_setting END
    ], x -> x IS NOT NULL) AS setting_reasons,
    t.approved_products,
    c.cited_ids AS cited_trials
FROM trial_set t
LEFT JOIN cited c USING (doc_id);

CREATE OR REPLACE VIEW document_settings AS
SELECT doc_id, setting,
       setting_rule || ': ' || coalesce(array_to_string(setting_reasons, '; '), '') AS setting_reason,
       setting_rule, setting_reasons, approved_products, cited_trials
FROM document_settings_t;
