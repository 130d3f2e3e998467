"""Challenge set: unseen phrasings of MSC safety texts, to judge event rules beyond the dev gold.

Every passage was written for this file (none is copied from the dev gold); each expected label
follows ../shared/spec/extraction.md and ../shared/gold/README.md, not the code's output:
present = happened to this document's subjects (in a preclinical paper, its own animals),
absent = the text says it did not happen, possible = risk, warning, hypothesis or other studies
(including background animal work), excluded = eligibility, history or the disease treated.

Scores when written (2026-11-22), each group scored before the rules were touched for it:
first groups 112/133 with the original rules; HELD_OUT 42/52 (original rules 41/52);
HELD_OUT_2 16/23 (original 16/23); HELD_OUT_3 10/16 (original 11/16). Fixes made for one group
rarely carried over to the next, so new phrasings belong in a fresh held-out group, scored
before the rules change. Known gaps are strict xfails.
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.events import event_facts
from nlp.pipeline import events_nlp

TITLE = "Mesenchymal stromal cells\n\n"

PE = "pulmonary_embolism"
DVT = "deep_vein_thrombosis"
VT = "venous_thrombosis"
TE = "thromboembolism"
AT = "arterial_thrombosis"
MT = "microthrombosis"
STROKE = "stroke"
MI = "myocardial_infarction"
PI = "pulmonary_infarction"
DIC = "disseminated_intravascular_coagulation"
IBMIR = "ibmir"
CA = "coagulation_activation"

Pairs = set[tuple[str, str]]


def case(case_id: str, text: str, *pairs: tuple[str, str], known_gap: str = "") -> object:
    """One passage and its expected (term, status) pairs; ``known_gap`` marks a strict xfail."""
    marks = [pytest.mark.xfail(reason=known_gap, strict=True)] if known_gap else []
    return pytest.param(text, set(pairs), id=case_id, marks=marks)


CASE_REPORTS = [
    case(
        "svf-dyspnoea-ctpa",
        "Two days after the third intravenous infusion of adipose-derived SVF, the patient "
        "developed dyspnoea; CT pulmonary angiography revealed bilateral pulmonary emboli.",
        (PE, "present"),
    ),
    case(
        "doppler-subclavian",
        "Doppler ultrasound showed thrombosis of the right subclavian vein.",
        (VT, "present"),
    ),
    case(
        "died-massive-pte",
        "Despite anticoagulation, she died of massive pulmonary thromboembolism on day 4.",
        (PE, "present"),
    ),
    case(
        "autopsy-microthrombi",
        "Autopsy revealed microthrombi in pulmonary capillaries.",
        (MT, "present"),
    ),
    case(
        "d-dimer-rose", "Her D-dimer rose to 8.2 mg/L the day after the infusion.", (CA, "present")
    ),
    case(
        "als-popliteal-dvt",
        "A 63-year-old man received autologous bone marrow MSCs intravenously for ALS. Three "
        "weeks later he presented with a swollen left leg, and duplex ultrasonography confirmed "
        "deep-venous thrombosis of the popliteal vein.",
        (DVT, "present"),
    ),
    case(
        "mca-territory-infarct",
        "Within hours of the intra-arterial injection, the patient developed a left hemiparesis, "
        "and MRI showed an acute infarct in the right middle cerebral artery territory.",
        (STROKE, "present"),
    ),
    case(
        "suffered-ami",
        "The patient suffered an acute myocardial infarction 10 days after intracoronary "
        "injection of MSCs.",
        (MI, "present"),
    ),
    case(
        "dvt-and-pe-abbrev",
        "Two patients developed DVT and one had a pulmonary embolism (PE) during follow-up.",
        (DVT, "present"),
        (PE, "present"),
    ),
    case(
        "ae-list-counts",
        "Adverse events: deep vein thrombosis (n = 2), pulmonary embolism (n = 1), fever (n = 5).",
        (DVT, "present"),
        (PE, "present"),
    ),
    case(
        "sae-tia-unrelated",
        "One serious adverse event, a transient ischemic attack, occurred 3 months after "
        "treatment and was judged unrelated to the cells.",
        (STROKE, "present"),
    ),
    case(
        "jugular-catheter",
        "A catheter-related thrombosis of the internal jugular vein was diagnosed on day 5.",
        (VT, "present"),
    ),
    case(
        "d-dimer-tat-elevated",
        "Laboratory tests showed markedly elevated D-dimer and thrombin-antithrombin complex "
        "levels after the infusion.",
        (CA, "present"),
    ),
    case(
        "dic-platelets",
        "The patient was found to have disseminated intravascular coagulation with a platelet "
        "count of 32 × 10^9/L.",
        (DIC, "present"),
    ),
    case(
        "lad-occlusion",
        "Coronary angiography showed thrombotic occlusion of the left anterior descending artery.",
        (AT, "present"),
    ),
    case(
        "pe-confirmed-cta",
        "Pulmonary embolism was confirmed on CT angiography 48 h after the second infusion of "
        "stromal vascular fraction cells.",
        (PE, "present"),
    ),
    case(
        "british-thrombo-embolism",
        "He developed a pulmonary thrombo-embolism on day 3.",
        (PE, "present"),
    ),
    case(
        "ischaemic-stroke-occurred",
        "An ischaemic stroke occurred 6 weeks after treatment.",
        (STROKE, "present"),
    ),
    case("massive-pe-abbrev", "The patient died from a massive PE.", (PE, "present")),
    case(
        "pes-and-dvt",
        "Two patients had PEs and one had a DVT after infusion.",
        (PE, "present"),
        (DVT, "present"),
    ),
    case(
        "cva-hemiparesis",
        "On day 10 the patient suffered a CVA with right-sided hemiparesis.",
        (STROKE, "present"),
    ),
    case(
        "saddle-embolus",
        "Post-mortem examination showed a saddle embolus in the pulmonary trunk.",
        (PE, "present"),
    ),
    case(
        "d-dimer-increased-significantly",
        "Plasma D-dimer concentrations increased significantly 1 h after infusion.",
        (CA, "present"),
    ),
    case(
        "tat-activation",
        "Elevated TAT complexes indicated activation of coagulation.",
        (CA, "present"),
    ),
    case(
        "brachial-cephalic-veins",
        "Ultrasonography revealed thrombi in the left brachial and cephalic veins.",
        (VT, "present"),
    ),
    case("dvt-right-leg", "A DVT in the right leg was treated with rivaroxaban.", (DVT, "present")),
    case(
        "tias-plural",
        "Transient ischaemic attacks occurred in two patients.",
        (STROKE, "present"),
    ),
    case(
        "deep-venous-thromboses",
        "Deep venous thromboses developed in three patients.",
        (DVT, "present"),
    ),
    case(
        "thrombo-embolic-event",
        "A thrombo-embolic event occurred in one patient.",
        (TE, "present"),
    ),
    case(
        "nstemi",
        "The patient developed a non-ST-elevation myocardial infarction.",
        (MI, "present"),
    ),
    case("vte-rate", "VTE occurred in 2 of 40 patients (5%).", (TE, "present")),
    case(
        "pulmonary-infarct",
        "Chest CT showed a wedge-shaped pulmonary infarct in the right lower lobe.",
        (PI, "present"),
    ),
    case(
        "ae-results-section",
        "Serious Adverse Events Reported:\nPulmonary embolism 1/20 (5.00%)\n"
        "Pneumonia 2/20 (10.00%)",
        (PE, "present"),
    ),
    case(
        "kfda-clinic-death",
        "The ministry suspended the clinic's licence after a patient died of pulmonary embolism "
        "following an infusion of adipose stem cells.",
        (PE, "present"),
    ),
    case(
        "history-then-recurrence",
        "A 45-year-old woman with a history of deep vein thrombosis received adipose-derived "
        "MSCs intravenously. Five days later she developed a recurrent deep vein thrombosis in "
        "the left femoral vein.",
        (DVT, "excluded"),
        (DVT, "present"),
    ),
    case(
        "no-history-then-dvt",
        "The patient had no history of thrombosis. After the fourth infusion he developed a left "
        "leg DVT.",
        (TE, "absent"),
        (DVT, "present"),
    ),
]

NEGATIONS = [
    case(
        "no-te-complications-observed",
        "No thromboembolic complications were observed during the 12-month follow-up.",
        (TE, "absent"),
    ),
    case("none-developed", "Of the 30 patients treated, none developed DVT.", (DVT, "absent")),
    case("no-cases-of-pe", "There were no cases of pulmonary embolism.", (PE, "absent")),
    case(
        "without-evidence",
        "Follow-up imaging was performed without evidence of thrombosis.",
        (TE, "absent"),
    ),
    case("free-from", "All patients remained free from thrombotic events.", (TE, "absent")),
    case(
        "no-sae-including",
        "No serious adverse events, including thrombosis, occurred.",
        (TE, "absent"),
    ),
    case(
        "not-observed-in-any",
        "Thromboembolic events were not observed in any patient.",
        (TE, "absent"),
    ),
    case(
        "no-patient-list",
        "No patient experienced a stroke, myocardial infarction or pulmonary embolism.",
        (STROKE, "absent"),
        (MI, "absent"),
        (PE, "absent"),
    ),
    case(
        "did-not-observe",
        "We did not observe any case of deep vein thrombosis or pulmonary embolism.",
        (DVT, "absent"),
        (PE, "absent"),
    ),
    case(
        "neither-nor",
        "Neither deep vein thrombosis nor pulmonary embolism was detected.",
        (DVT, "absent"),
        (PE, "absent"),
    ),
    case(
        "no-increase-d-dimer",
        "There was no significant increase in D-dimer after infusion.",
        (CA, "absent"),
    ),
    case(
        "no-sign-ibmir",
        "The infusion was well tolerated, with no sign of IBMIR.",
        (IBMIR, "absent"),
    ),
    case(
        "none-of-the-had",
        "None of the 24 patients had a thromboembolic event.",
        (TE, "absent"),
    ),
    case("no-dvts-identified", "No DVTs were identified on screening ultrasound.", (DVT, "absent")),
    case("ruled-out", "Pulmonary embolism was ruled out by CT angiography.", (PE, "absent")),
    case("cta-excluded", "CT angiography excluded pulmonary embolism.", (PE, "absent")),
    case(
        "no-thrombotic-or-embolic",
        "No thrombotic or embolic complications occurred.",
        (TE, "absent"),
    ),
    case(
        "safety-two-negations",
        "Safety: there were no infusion-related thromboembolic events and no strokes.",
        (TE, "absent"),
        (STROKE, "absent"),
    ),
    case(
        "no-ae-such-as",
        "No adverse events such as pulmonary embolism or thrombosis occurred.",
        (PE, "absent"),
        (TE, "absent"),
    ),
    case(
        "negation-stops-at-but",
        "No infusion reactions occurred, but one patient developed a DVT.",
        (DVT, "present"),
    ),
    case("not-seen", "Thrombosis was not seen on follow-up Doppler.", (TE, "absent")),
    case("no-thrombus-catheter", "No thrombus was seen in the catheter.", (TE, "absent")),
    case("neither-group", "Neither group had any thrombotic events.", (TE, "absent")),
    case(
        "did-not-increase",
        "Compared with placebo, MSC infusion did not increase the incidence of VTE.",
        (TE, "absent"),
    ),
    case("no-increase-strokes", "No increase in the rate of strokes was seen.", (STROKE, "absent")),
    case(
        "has-not-been-reported",
        "Thromboembolism has not been reported with this product.",
        (TE, "absent"),
    ),
    case(
        "free-of-at-one-year",
        "Patients were free of thromboembolic complications at 1 year.",
        (TE, "absent"),
    ),
    case(
        "meta-not-associated",
        "In this meta-analysis of 55 trials, MSC administration was not associated with "
        "thromboembolic events.",
        (TE, "absent"),
    ),
    case(
        "risk-then-none",
        "Pulmonary embolism is a known risk of intravenous cell therapy. In our series, no "
        "patient developed pulmonary embolism.",
        (PE, "possible"),
        (PE, "absent"),
    ),
]

HEDGES = [
    case("may-trigger-ibmir", "MSCs may trigger IBMIR.", (IBMIR, "possible")),
    case(
        "could-increase-risk",
        "Intravenous delivery of tissue factor-rich products could increase the risk of "
        "thromboembolism.",
        (TE, "possible"),
    ),
    case(
        "theoretical-risk",
        "There is a theoretical risk of embolism when large cell doses are infused.",
        (TE, "possible"),
    ),
    case(
        "caution-warranted",
        "Caution is warranted in patients at high risk of venous thrombosis.",
        (VT, "possible"),
    ),
    case(
        "potential-trigger",
        "Tissue factor expression by MSCs is a potential trigger of thrombosis.",
        (TE, "possible"),
    ),
    case(
        "monitor-for-signs",
        "Clinicians should monitor for signs of pulmonary embolism after infusion.",
        (PE, "possible"),
    ),
    case(
        "potential-complication",
        "Pulmonary embolism is a potential complication of intravenous MSC infusion.",
        (PE, "possible"),
    ),
    case(
        "remains-unclear-whether",
        "It remains unclear whether MSC products promote thrombosis in humans.",
        (TE, "possible"),
    ),
    case(
        "might-cause-microthrombosis",
        "Highly procoagulant cell products might cause microthrombosis in the lungs.",
        (MT, "possible"),
        (CA, "possible"),  # "highly procoagulant": procoagulant activity, hedged
    ),
    case(
        "prophylactic-heparin",
        "Because of the thromboembolic risk, all patients received prophylactic heparin.",
        (TE, "possible"),
    ),
    case(
        "monitored-for",
        "Patients were monitored for thromboembolic events for 28 days.",
        (TE, "possible"),
    ),
    case(
        "potential-for-ibmir",
        "The potential for IBMIR should be considered when designing intravascular MSC therapies.",
        (IBMIR, "possible"),
    ),
    case(
        "dvt-prophylaxis",
        "DVT prophylaxis with enoxaparin was given to all patients.",
        (DVT, "possible"),
    ),
    case(
        "suspected-dvt",
        "Anticoagulation was started for suspected DVT pending ultrasound.",
        (DVT, "possible"),
    ),
]

OTHER_STUDIES = [
    case(
        "korean-clinic-reported",
        "A fatal pulmonary embolism has been reported after infusion of adipose stem cells in a "
        "Korean clinic.",
        (PE, "possible"),
    ),
    case(
        "previous-reports-described",
        "Previous reports described pulmonary embolism after intravenous administration of "
        "adipose-derived stromal cells.",
        (PE, "possible"),
    ),
    case(
        "et-al-reported-case",
        "Jung et al. reported a case of pulmonary embolism following intravenous injection of "
        "adipose-derived MSCs.",
        (PE, "possible"),
    ),
    case(
        "have-been-described",
        "Cases of stroke and myocardial infarction have been described in patients treated at "
        "unregulated clinics.",
        (STROKE, "possible"),
        (MI, "possible"),
    ),
    case(
        "documented-in-literature",
        "Thrombotic complications of stem cell therapy have been documented in the literature.",
        (TE, "possible"),
    ),
    case(
        "animal-background",
        "In animal models, intravenous MSC infusion caused pulmonary embolism in a "
        "dose-dependent manner.",
        (PE, "possible"),
    ),
    case(
        "animal-studies-shown",
        "Animal studies have shown that intravenously injected MSCs can lodge in the lungs and "
        "cause pulmonary emboli.",
        (PE, "possible"),
    ),
    case(
        "own-mice-present",
        "Mice receiving 2 × 10^6 MSCs intravenously developed pulmonary emboli, and 40% died "
        "within 24 h.",
        (PE, "present"),
    ),
    case(
        "own-in-vitro-present",
        "In vitro, adipose MSCs shortened plasma clotting time and triggered thrombin generation.",
        (CA, "present"),
    ),
]

ELIGIBILITY = [
    case(
        "bullet-history-dvt-pe",
        "Exclusion Criteria:\n- History of DVT or PE\n- Pregnancy",
        (DVT, "excluded"),
        (PE, "excluded"),
    ),
    case(
        "prose-are-excluded",
        "Patients with a history of thromboembolic disease are excluded.",
        (TE, "excluded"),
    ),
    case(
        "key-exclusion-semicolons",
        "Key exclusion criteria: active malignancy; uncontrolled hypertension; prior stroke "
        "within 6 months.",
        (STROKE, "excluded"),
    ),
    case(
        "numbered-exclusions",
        "Exclusion criteria: 1. Myocardial infarction within the previous 3 months 2. Known "
        "hypercoagulable state 3. Pregnancy",
        (MI, "excluded"),
        (CA, "excluded"),
    ),
    case(
        "will-be-excluded-if",
        "Participants will be excluded if they have a history of venous thromboembolism or a "
        "known thrombophilia.",
        (TE, "excluded"),
    ),
    case(
        "inclusion-and-exclusion",
        "Inclusion Criteria:\n- Age 18-75\n- Acute ischemic stroke within 7 days of onset\n"
        "Exclusion Criteria:\n- Hemorrhagic stroke\n- Atrial fibrillation",
        (STROKE, "excluded"),
    ),
    case(
        "must-not-have-had",
        "Subjects must not have had a myocardial infarction or stroke in the past six months.",
        (MI, "excluded"),
        (STROKE, "excluded"),
    ),
    case(
        "exclusion-criteria-included",
        "Exclusion criteria included recent thrombosis, coagulopathy and anticoagulant therapy.",
        (TE, "excluded"),
    ),
    case(
        "upper-case-header-bullets",
        "EXCLUSION CRITERIA\n• Previous deep venous thrombosis\n• Pulmonary embolism\n"
        "• Active infection",
        (DVT, "excluded"),
        (PE, "excluded"),
    ),
    case(
        "criteria-for-exclusion",
        "Criteria for exclusion: history of stroke or TIA.",
        (STROKE, "excluded"),
    ),
]

INDICATIONS = [
    case(
        "safety-in-stroke",
        "This study evaluates the safety of MSCs in patients with acute ischemic stroke.",
        (STROKE, "excluded"),
    ),
    case(
        "treatment-of-ami",
        "Intracoronary bone marrow cells for the treatment of acute myocardial infarction.",
        (MI, "excluded"),
    ),
    case(
        "cli-no-event",
        "Autologous MSCs for critical limb ischemia: a phase II trial.",
    ),
    case(
        "survivors",
        "This study evaluates umbilical cord MSCs in survivors of ischaemic stroke with chronic "
        "hemiparesis.",
        (STROKE, "excluded"),
    ),
    case(
        "stemi-randomised",
        "Forty patients with ST-elevation myocardial infarction (STEMI) were randomised to "
        "intracoronary MSCs or placebo.",
        (MI, "excluded"),
    ),
    case(
        "indication-then-recurrence",
        "Twenty patients with chronic ischemic stroke received intracerebral MSCs. During "
        "follow-up, one patient had a recurrent stroke.",
        (STROKE, "excluded"),
        (STROKE, "present"),
    ),
    case(
        "days-after-ami",
        "Patients received MSCs 3-7 days after acute myocardial infarction.",
        (MI, "excluded"),
    ),
    case(
        "rat-mcao-model",
        "MSC therapy improved outcomes in a rat model of middle cerebral artery occlusion.",
        (STROKE, "excluded"),
    ),
    case(
        "infarct-size-reduced",
        "MSC treatment reduced myocardial infarct size in pigs.",
        (MI, "excluded"),
    ),
    case("stroke-patients", "Stroke patients received intravenous MSCs.", (STROKE, "excluded")),
]

CLINIC_PAGES = [
    case(
        "faq-clots-rare",
        "Are there risks?\nBlood clots are rare, but any IV infusion carries a small risk.",
        (TE, "possible"),
    ),
    case(
        "no-risk-of-clots",
        "Our IV stem cell therapy is safe, with no risk of clots.",
        (TE, "absent"),
    ),
    case(
        "we-treat-list",
        "We treat stroke, heart attack, COPD and autism with stem cells.",
        (STROKE, "excluded"),
        (MI, "excluded"),
    ),
    case(
        "conditions-we-treat",
        "Conditions We Treat\nStroke\nParkinson's disease\nHeart disease",
        (STROKE, "excluded"),
    ),
    case(
        "risks-section-list",
        "Risks and Side Effects\n- Bruising at the harvest site\n- Blood clots\n- Infection",
        (TE, "possible"),
    ),
    case(
        "contraindications-section",
        "Contraindications:\n- Active deep vein thrombosis\n- Pregnancy",
        (DVT, "excluded"),
    ),
    case(
        "recover-from",
        "Stem cell therapy can help patients recover from a stroke and regain mobility.",
        (STROKE, "excluded"),
    ),
    case(
        "side-effects-may-include",
        "Side effects are rare and may include mild fever, headache or, very rarely, blood clots.",
        (TE, "possible"),
    ),
    case(
        "possible-side-effects-include",
        "Possible side effects of IV stem cell therapy include infection, allergic reaction and "
        "blood clots.",
        (TE, "possible"),
    ),
    case(
        "small-chance",
        "As with any intravenous procedure, there is a small chance of a blood clot forming.",
        (TE, "possible"),
    ),
    case(
        "without-a-single-case",
        "Thousands of patients have been treated at our clinic without a single case of blood "
        "clots.",
        (TE, "absent"),
    ),
]

REGULATORS = [
    case(
        "fda-received-reports",
        "FDA has received reports of serious adverse events, including blood clots and strokes, "
        "in patients treated with your firm's stem cell products.",
        (TE, "present"),
        (STROKE, "present"),
    ),
    case(
        "fda-associated-with",
        "Patients should be aware that unapproved stem cell products have been associated with "
        "blindness, tumours and blood clots.",
        (TE, "possible"),
    ),
    case(
        "letter-patient-experienced",
        "One patient experienced a pulmonary embolism after receiving your product "
        "intravenously, as documented in your adverse event records.",
        (PE, "present"),
    ),
    case(
        "fda-concerned-may-cause",
        "FDA is concerned that intravenous administration of your product may cause pulmonary "
        "embolism.",
        (PE, "possible"),
    ),
]

OUTCOME_MEASURES = [
    case(
        "incidence-outcome",
        "Primary Outcome Measures:\nIncidence of thromboembolic events [Time Frame: 12 months]",
        (TE, "possible"),
    ),
    case(
        "number-of-participants-with",
        "Outcome: number of participants with deep vein thrombosis assessed by ultrasound at 30 "
        "days",
        (DVT, "possible"),
    ),
    case(
        "secondary-outcomes-include",
        "Secondary outcomes include the rate of symptomatic venous thromboembolism.",
        (TE, "possible"),
    ),
    case(
        "will-be-assessed",
        "Safety will be assessed by the occurrence of pulmonary embolism, stroke or myocardial "
        "infarction within 6 months.",
        (PE, "possible"),
        (STROKE, "possible"),
        (MI, "possible"),
    ),
]

NOT_EVENTS = [
    case("heparin-clotting", "Heparin was added to the cell suspension to prevent clotting."),
    case("haemorrhage-oedema", "Haemorrhage and oedema were observed at the injection site."),
    case(
        "stroke-scale",
        "Patients were assessed with the NIH Stroke Scale and the modified Rankin Scale.",
    ),
    case("stroke-volume", "Stroke volume increased after MSC therapy."),
    case("physical-exam-pe", "Physical examination (PE) was unremarkable."),
    case("d-dimer-measured", "Fibrinogen and D-dimer were measured at baseline and on day 7."),
    case("infarct-border-zone", "Cells were injected into the infarct border zone."),
    case(
        "cerebrovascular-events-increase",
        "There was an increase in the incidence of cerebrovascular events in the treated group.",
        (STROKE, "present"),
    ),
]

# Written after the rules above were fixed and scored before the next change (see the module
# docstring). Two lab-value cases were added with the fix for the one failure left here.
HELD_OUT = [
    case(
        "thrombus-main-pa",
        "On post-infusion day 2 she became hypoxic, and a CT scan demonstrated a large thrombus "
        "in the right main pulmonary artery.",
        (PE, "present"),
    ),
    case(
        "vte-diagnosed",
        "A venous thromboembolism was diagnosed 9 days after the last injection.",
        (TE, "present"),
    ),
    case(
        "ivc-thrombosis",
        "Subsequently, thrombosis of the inferior vena cava developed.",
        (VT, "present"),
    ),
    case(
        "left-sided-cerebral-infarction",
        "The patient was hospitalised with a left-sided cerebral infarction one month after "
        "receiving the cells.",
        (STROKE, "present"),
    ),
    case(
        "lv-thrombus",
        "Echocardiography showed a thrombus in the left ventricle.",
        (TE, "present"),
    ),
    case(
        "complicated-by-pvt",
        "Her course was complicated by portal vein thrombosis.",
        (VT, "present"),
    ),
    case(
        "dic-lab-values",
        "Laboratory findings were consistent with DIC (platelets 40 × 10^9/L, fibrinogen 0.9 g/L).",
        (DIC, "present"),
    ),
    case(
        "arterial-thrombus-femoral",
        "An arterial thrombus occluded the femoral artery distal to the injection site.",
        (AT, "present"),
    ),
    case(
        "te-events-bracketed",
        "Two participants experienced thromboembolic events (one DVT, one PE).",
        (TE, "present"),
        (DVT, "present"),
        (PE, "present"),
    ),
    case(
        "d-dimer-markedly-increased",
        "Post-infusion, fibrin degradation products and D-dimer were markedly increased.",
        (CA, "present"),
    ),
    case(
        "death-attributed",
        "The patient's death was attributed to pulmonary embolism.",
        (PE, "present"),
    ),
    case(
        "no-clinical-or-radiological",
        "There was no clinical or radiological evidence of thromboembolism.",
        (TE, "absent"),
    ),
    case(
        "found-no",
        "We found no thrombotic complications related to the infusion.",
        (TE, "absent"),
    ),
    case("no-one", "No one developed a stroke.", (STROKE, "absent")),
    case(
        "did-not-occur-limbs",
        "Thrombosis did not occur in any of the treated limbs.",
        (TE, "absent"),
    ),
    case(
        "d-dimer-did-not-rise",
        "D-dimer did not rise after any infusion.",
        (CA, "absent"),
    ),
    case(
        "none-showed-signs",
        "None of the patients showed signs of IBMIR.",
        (IBMIR, "absent"),
    ),
    case("colon-none", "Thromboembolic complications: none.", (TE, "absent")),
    case(
        "d-dimer-not-elevated",
        "D-dimer levels were not elevated at any time point.",
        (CA, "absent"),
    ),
    case("tat-within-normal", "TAT levels remained within normal limits.", (CA, "absent")),
    case(
        "absence-confirmed",
        "Absence of pulmonary embolism was confirmed by ventilation-perfusion scan.",
        (PE, "absent"),
    ),
    case(
        "carries-a-risk",
        "Intravascular administration of MSCs carries a risk of thromboembolism.",
        (TE, "possible"),
    ),
    case(
        "to-minimise-risk",
        "To minimise the risk of embolism, cells were filtered through a 100 µm strainer.",
        (TE, "possible"),
    ),
    case(
        "recognised-hazard",
        "Thrombosis is a recognised hazard of intravenous cell products.",
        (TE, "possible"),
    ),
    case(
        "informed-possibility",
        "Patients should be informed about the possibility of blood clots.",
        (TE, "possible"),
    ),
    case(
        "whether-translates",
        "Whether MSC-induced coagulation activation translates into clinical thrombosis is "
        "unknown.",
        (CA, "possible"),
        (TE, "possible"),
    ),
    case(
        "hypercoagulability-concern",
        "Hypercoagulability is a concern in patients with COVID-19 receiving MSCs.",
        (CA, "possible"),
    ),
    case(
        "according-to-review",
        "According to a 2019 review, thromboembolic events occurred in 0.5% of patients "
        "receiving intravenous MSCs.",
        (TE, "possible"),
    ),
    case(
        "similar-cases-published",
        "Similar cases of pulmonary embolism after stem cell tourism have been published.",
        (PE, "possible"),
    ),
    case(
        "meta-no-association",
        "Meta-analyses have found no association between MSC therapy and thrombosis.",
        (TE, "absent"),
    ),
    case(
        "in-vitro-clot-formation",
        "Our in vitro experiments showed that UC-MSCs expressed tissue factor and accelerated "
        "clot formation.",
        (CA, "present"),
    ),
    case(
        "highly-procoagulant",
        "In our assays the cells were highly procoagulant in whole blood.",
        (CA, "present"),
    ),
    case(
        "bullets-after-blank-line",
        "Exclusion criteria\n\n* Known thrombophilia or prior venous thromboembolism\n"
        "* Current anticoagulation",
        (TE, "excluded"),
    ),
    case(
        "ineligible-if",
        "Patients were ineligible if they had experienced a stroke or myocardial infarction "
        "within 3 months.",
        (STROKE, "excluded"),
        (MI, "excluded"),
    ),
    case(
        "not-eligible",
        "Subjects with a recent (<6 months) cardiovascular event, including MI or stroke, are "
        "not eligible.",
        (MI, "excluded"),
        (STROKE, "excluded"),
    ),
    case(
        "inclusion-first-ever",
        "Inclusion criteria: first-ever ischaemic stroke confirmed by MRI.",
        (STROKE, "excluded"),
    ),
    case(
        "bare-history-bullet",
        "- History of pulmonary embolism within 12 months before screening",
        (PE, "excluded"),
    ),
    case(
        "aim-after-stemi",
        "The aim of this trial is to assess whether intracoronary MSCs improve left ventricular "
        "function after STEMI.",
        (MI, "excluded"),
    ),
    case(
        "being-developed-for",
        "MSC-based therapies are being developed for ischemic stroke, myocardial infarction and "
        "critical limb ischemia.",
        (STROKE, "excluded"),
        (MI, "excluded"),
    ),
    case(
        "heart-attack-recovery",
        "Stem cells for heart attack recovery",
        (MI, "excluded"),
    ),
    case(
        "post-stroke-indication",
        "Post-stroke spasticity was the primary indication.",
        (STROKE, "excluded"),
    ),
    case(
        "clinic-extremely-rare",
        "Is stem cell therapy safe? Serious complications such as blood clots are extremely rare.",
        (TE, "possible"),
    ),
    case(
        "clinic-no-reported",
        "In the past year, our clinic has performed over 2,000 IV infusions with no reported "
        "blood clots.",
        (TE, "absent"),
    ),
    case(
        "fda-warned-strokes",
        "The FDA warned that stem cell clinics have caused serious harm, including strokes.",
        (STROKE, "possible"),
    ),
    case(
        "firm-ae-report",
        "Your firm's adverse event reports include a patient who developed a pulmonary embolism "
        "after intravenous administration of your SVF product.",
        (PE, "present"),
    ),
    case(
        "secondary-outcome-numbered",
        "Secondary Outcome Measures:\n1. Rate of thromboembolic complications [Time Frame: 6 "
        "months]",
        (TE, "possible"),
    ),
    case(
        "followed-for-development",
        "Participants will be followed for the development of deep vein thrombosis by duplex "
        "ultrasound.",
        (DVT, "possible"),
    ),
    case("dvt-slash-pe", "A DVT/PE occurred in one patient.", (DVT, "present"), (PE, "present")),
    case(
        "ischemic-cva",
        "She developed an ischemic cerebrovascular accident.",
        (STROKE, "present"),
    ),
    case(
        "rat-lung-sections",
        "Microvascular thrombosis was seen in lung sections of treated rats.",
        (MT, "present"),
    ),
    case(
        "myocardial-infarct-mri",
        "A new myocardial infarct was detected on cardiac MRI at 6 months.",
        (MI, "present"),
    ),
    case(
        "en-dash-tat",
        "Elevated thrombin–antithrombin levels were found in 3 of 10 patients.",
        (CA, "present"),
    ),
    case(
        "strokes-mixed-types",
        "There were 3 strokes (2 ischaemic, 1 haemorrhagic) in the treatment arm.",
        (STROKE, "present"),
    ),
    case(
        "ttp",
        "Thrombotic thrombocytopenic purpura developed after the second infusion.",
        (MT, "present"),
    ),
]

# Written after HELD_OUT was fixed and scored before the next change: 16/23, the same as the
# original rules, then generalised (one known gap left).
HELD_OUT_2 = [
    case(
        "admitted-acute-pe",
        "Three months after the second injection, the patient was admitted with an acute "
        "pulmonary embolism and right ventricular strain.",
        (PE, "present"),
    ),
    case(
        "common-femoral-vein",
        "Duplex scanning showed an occlusive thrombus in the left common femoral vein.",
        (DVT, "present"),
    ),
    case(
        "consistent-with-dic",
        "The platelet count fell to 45 × 10^9/L and fibrinogen was consumed, consistent with "
        "disseminated intravascular coagulation.",
        (DIC, "present"),
    ),
    case(
        "calf-vein-screening",
        "One subject had an asymptomatic calf vein thrombosis detected on routine screening.",
        (DVT, "present"),
    ),
    case(
        "no-changes-coagulation-parameters",
        "No clinically relevant changes in coagulation parameters were noted.",
        (CA, "absent"),
    ),
    case(
        "importantly-none",
        "Importantly, none of the patients experienced thromboembolic complications.",
        (TE, "absent"),
    ),
    case(
        "neither-ibmir-nor",
        "Neither IBMIR nor thrombosis was observed in any recipient.",
        (IBMIR, "absent"),
        (TE, "absent"),
    ),
    case(
        "incidence-did-not-differ",
        "The incidence of DVT did not differ between the MSC and placebo groups (4% vs 5%).",
        (DVT, "present"),
    ),
    case(
        "predispose-recipients",
        "MSCs express tissue factor, which may predispose recipients to thrombosis.",
        (TE, "possible"),
    ),
    case(
        "microembolism-concern",
        "Because MSCs are large cells, pulmonary entrapment and microembolism are a concern "
        "after intravenous delivery.",
        (MT, "possible"),
    ),
    case(
        "thrombotic-risk-weighed",
        "Thrombotic risk should be weighed against potential benefit.",
        (TE, "possible"),
    ),
    case(
        "fat-embolism-described",
        "A case of fatal fat embolism after injection of liposuction-derived cells has been "
        "described.",
    ),
    case(
        "exclusion-last-6-months",
        "Exclusion criteria: Thromboembolic event in the last 6 months.",
        (TE, "excluded"),
    ),
    case(
        "previous-vte-not-eligible",
        "Patients on anticoagulation for atrial fibrillation or previous VTE were not eligible.",
        (TE, "excluded"),
    ),
    case(
        "must-have-had-stroke",
        "Participants must have had an ischaemic stroke 6 to 24 months before enrolment.",
        (STROKE, "excluded"),
    ),
    case(
        "enrolled-chronic-stroke",
        "This phase I study enrolled 12 patients with chronic stroke.",
        (STROKE, "excluded"),
    ),
    case(
        "msc-for-stroke",
        "A trial of intravenous MSCs for subacute ischemic stroke began in 2018.",
        (STROKE, "excluded"),
    ),
    case(
        "ask-your-doctor",
        "Ask your doctor about the risk of blood clots before treatment.",
        (TE, "possible"),
        known_gap="'before treatment' (history, excluded) outranks 'risk of' (possible) even "
        "when it qualifies the asking, not the event",
    ),
    case(
        "never-seen-a-clot",
        "Side effects at our centre have been limited to mild headache; we have never seen a "
        "blood clot.",
        (TE, "absent"),
    ),
    case(
        "investigators-observed",
        "FDA investigators observed that several patients were hospitalized with pulmonary "
        "emboli after receiving your umbilical cord product.",
        (PE, "present"),
    ),
    case(
        "necropsy-pulmonary-thrombi",
        "Animals in the high-dose group showed extensive pulmonary thrombi at necropsy.",
        (PE, "present"),
    ),
    case(
        "prevent-catheter-thrombosis",
        "Anti-Xa monitoring was performed to prevent catheter thrombosis.",
        (VT, "possible"),
    ),
    case(
        "exclusion-criterion-singular",
        "Elevated D-dimer (>0.5 mg/L) was an exclusion criterion.",
        (CA, "excluded"),
    ),
]

# Written last and scored before any change: 10/16 (the original rules: 11/16; a new rule,
# ": no" read as a table "none", had broken "RESULTS: No ... events"). That bug and two general
# gaps were then fixed; one label was wrong (a stroke unit names a ward, not the subjects).
HELD_OUT_3 = [
    case(
        "abstract-results-mixed",
        "RESULTS: Forty-two patients received a median of two infusions. Infusion-related "
        "reactions were mild. One patient developed a segmental pulmonary embolism on day 12, "
        "which resolved with apixaban. No strokes or myocardial infarctions occurred.",
        (PE, "present"),
        (STROKE, "absent"),
        (MI, "absent"),
    ),
    case(
        "abstract-background-then-none",
        "BACKGROUND: Intravenous MSCs carry a potential thromboembolic risk. METHODS: We "
        "reviewed 310 infusions. RESULTS: No thromboembolic events were recorded.",
        (TE, "possible"),
        (TE, "absent"),
    ),
    case(
        "registration-arm-description",
        "Experimental: UC-MSC\nParticipants receive 1 × 10^6 cells/kg intravenously on days 1 "
        "and 7. Patients will be screened for deep vein thrombosis by ultrasound before each "
        "infusion.",
        (DVT, "possible"),
    ),
    case(
        "clinic-testimonial-stroke",
        "After her stroke in 2019, Maria came to our clinic for stem cell therapy and regained "
        "the use of her left arm.",
        (STROKE, "excluded"),
    ),
    case(
        "clinic-safety-claim",
        "Our cells are screened and processed in a certified lab, so there is no chance of "
        "clotting or rejection.",
    ),
    case(
        "letter-serious-ae",
        "Several patients treated at your clinic experienced serious adverse events, including "
        "a pulmonary embolism requiring hospitalization.",
        (PE, "present"),
    ),
    case(
        "unrelated-to-treatment",
        "A myocardial infarction in the control group was considered unrelated to the study "
        "procedure.",
        (MI, "present"),
    ),
    case(
        "thrombus-formation-in-vitro",
        "Thrombus formation on collagen under flow was increased by adipose MSCs but not by "
        "bone marrow MSCs.",
        (CA, "present"),
        known_gap="'thrombus formation' in a flow assay is a lab signal, in a patient a "
        "thrombosis; the rules cannot tell the assay from the patient",
    ),
    case(
        "nebulised-no-embolic-risk",
        "Because the cells are nebulised rather than infused, embolic complications are not "
        "expected.",
        (TE, "possible"),
    ),
    case(
        "sudden-death-autopsy",
        "The patient died suddenly on day 3; autopsy showed diffuse fibrin thrombi in the "
        "glomeruli and lungs.",
        (MT, "present"),
    ),
    case(
        "stroke-unit-false-friend",
        "Patients were recruited from the stroke unit of a university hospital.",
    ),
    case(
        "tia-excluded-prose",
        "Patients with a transient ischaemic attack in the previous 30 days were excluded.",
        (STROKE, "excluded"),
    ),
    case(
        "hepatic-artery-thrombosis",
        "Hepatic artery thrombosis developed after liver transplantation and intraportal cell "
        "infusion.",
        (AT, "present"),
    ),
    case(
        "dvt-rate-percent",
        "The rate of DVT was 3.2% in the MSC group and 2.9% in controls.",
        (DVT, "present"),
    ),
    case(
        "warning-clots-and-strokes",
        "Warning: stem cell treatments sold by unlicensed clinics have led to blood clots and "
        "strokes in some patients.",
        (TE, "possible"),
        (STROKE, "possible"),
        known_gap="a run-in 'Warning:' label scopes the whole sentence; its cue reach (10 "
        "tokens) stops short and 'led to' then reads as an observation",
    ),
    case(
        "ibmir-mitigated",
        "Heparin coating mitigated IBMIR in vitro.",
        (IBMIR, "present"),
    ),
]

CASES = [
    *CASE_REPORTS,
    *NEGATIONS,
    *HEDGES,
    *OTHER_STUDIES,
    *ELIGIBILITY,
    *INDICATIONS,
    *CLINIC_PAGES,
    *REGULATORS,
    *OUTCOME_MEASURES,
    *NOT_EVENTS,
    *HELD_OUT,
    *HELD_OUT_2,
    *HELD_OUT_3,
]


@pytest.fixture(scope="module")
def pipe() -> Language:
    return events_nlp()


def pairs(pipe: Language, text: str) -> Pairs:
    return {(f["term"], f["status"]) for f in event_facts(pipe(TITLE + text))}


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_events_challenge(pipe: Language, text: str, expected: Pairs) -> None:
    assert pairs(pipe, text) == expected
