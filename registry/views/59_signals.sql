-- Disproportionality of present thrombotic events by tissue source, route class and setting,
-- with documents as the reports (every current document is one report).
-- 2x2 per (dimension, level, term): a = level & event, b = level & no event,
-- c = other documents & event, d = other documents & no event; n = a + b + c + d.
-- PRR = [a/(a+b)] / [c/(c+d)], chi2 with Yates' correction (1 df);
-- ROR = ad/bc with 95% CI exp(ln ROR +/- 1.96 sqrt(1/a + 1/b + 1/c + 1/d)) (null on a zero cell);
-- IC = log2((a + 0.5)/(E + 0.5)), E = (a+b)(a+c)/n; IC025 = IC - 3.3(a+0.5)^-1/2 - 2(a+0.5)^-3/2
-- (Norén et al. 2013 approximation). Thresholds: PRR >= 2 with chi2 >= 4 and a >= 3;
-- ROR lower 95% bound > 1; IC025 > 0. Small counts are kept and flagged, never hidden.

CREATE OR REPLACE TABLE signals_t AS
WITH
reports AS (SELECT doc_id FROM current_versions),
total AS (SELECT count(*)::DOUBLE AS n FROM reports),
exposure AS (
    SELECT DISTINCT 'tissue_source' AS dimension, tissue_source AS level, doc_id FROM document_tissues
    UNION ALL
    SELECT 'route_class', route_class, doc_id FROM document_products_t
    UNION ALL
    SELECT 'setting', coalesce(setting, 'unknown'), doc_id FROM document_settings
),
events AS (
    SELECT DISTINCT doc_id, term FROM event_reports_t
    UNION ALL
    SELECT DISTINCT doc_id, 'any_thrombotic' FROM event_reports_t
),
level_n AS (SELECT dimension, level, count(DISTINCT doc_id)::DOUBLE AS n_level FROM exposure GROUP BY ALL),
event_n AS (SELECT term, count(DISTINCT doc_id)::DOUBLE AS n_event FROM events GROUP BY term),
terms AS (SELECT term FROM event_n UNION SELECT 'any_thrombotic'),
hits AS (
    SELECT x.dimension, x.level, e.term, count(DISTINCT x.doc_id)::DOUBLE AS a
    FROM exposure x JOIN events e USING (doc_id) GROUP BY ALL
),
cells AS (
    SELECT l.dimension, l.level, t.term,
           coalesce(h.a, 0) AS a,
           l.n_level - coalesce(h.a, 0) AS b,
           coalesce(en.n_event, 0) - coalesce(h.a, 0) AS c,
           tot.n - l.n_level - coalesce(en.n_event, 0) + coalesce(h.a, 0) AS d,
           tot.n AS n
    FROM level_n l CROSS JOIN terms t CROSS JOIN total tot
    LEFT JOIN event_n en ON en.term = t.term
    LEFT JOIN hits h ON h.dimension = l.dimension AND h.level = l.level AND h.term = t.term
),
stats AS (
    SELECT *,
        (a + b) * (a + c) / nullif(n, 0) AS expected,
        CASE WHEN a + b > 0 AND c > 0 THEN (a / (a + b)) / (c / (c + d)) END AS prr,
        CASE WHEN (a + b) * (c + d) * (a + c) * (b + d) > 0
             THEN n * power(greatest(abs(a * d - b * c) - n / 2, 0), 2) / ((a + b) * (c + d) * (a + c) * (b + d)) END AS chi2,
        CASE WHEN a > 0 AND b > 0 AND c > 0 AND d > 0 THEN (a * d) / (b * c) END AS ror,
        CASE WHEN a > 0 AND b > 0 AND c > 0 AND d > 0 THEN sqrt(1 / a + 1 / b + 1 / c + 1 / d) END AS ln_ror_se
    FROM cells
),
final AS (
    SELECT *,
        CASE WHEN ror IS NOT NULL THEN exp(ln(ror) - 1.96 * ln_ror_se) END AS ror_lower95,
        CASE WHEN ror IS NOT NULL THEN exp(ln(ror) + 1.96 * ln_ror_se) END AS ror_upper95,
        log2((a + 0.5) / (expected + 0.5)) AS ic
    FROM stats
)
SELECT dimension, level, term, a::BIGINT AS a, b::BIGINT AS b, c::BIGINT AS c, d::BIGINT AS d,
       n::BIGINT AS n, expected, prr, chi2, ror, ror_lower95, ror_upper95, ic,
       ic - 3.3 * power(a + 0.5, -0.5) - 2 * power(a + 0.5, -1.5) AS ic025,
       coalesce(prr >= 2 AND chi2 >= 4 AND a >= 3, FALSE) AS prr_signal,
       coalesce(ror_lower95 > 1, FALSE) AS ror_signal,
       coalesce(ic - 3.3 * power(a + 0.5, -0.5) - 2 * power(a + 0.5, -1.5) > 0, FALSE) AS ic_signal,
       a < 3 AS small_count
FROM final;

CREATE OR REPLACE VIEW signals AS
SELECT *, prr_signal OR ror_signal OR ic_signal AS any_signal FROM signals_t;
