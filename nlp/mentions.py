"""Rule-driven matchers for cell anchors, tissue, donor, route and setting mentions."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from cellvigil.vocabulary import keys
from nlp.attach import route_attaches
from nlp.match_index import longest_first, shared_index
from nlp.rules import Rule, load_products, load_rules
from nlp.scope import DocScope, Mention, doc_scope, mention_info, remember_spans, set_group

BLOCK_LABEL = "none"  # a rule that out-matches a false friend ("bone marrow transplant")


class RuleMatcher:
    """One rule file's matches from the pipeline's shared :class:`MatchIndex`; keeps the
    longest non-overlapping match per position."""

    def __init__(self, nlp: Language, rules: Iterable[Rule], source: str) -> None:
        self.rules: dict[str, Rule] = {rule.id: rule for rule in rules}
        self.source = source
        self.index = shared_index(nlp)
        self.index.add(source, self.rules.values())

    def __call__(self, doc: Doc) -> list[tuple[int, int, Rule]]:
        return longest_first(self.index.matches(doc, self.source))


Gate = Callable[[Span, Rule, DocScope], bool]


class MentionComponent:
    """Writes ``doc.spans[spans_key]`` (label_ = vocabulary key, id_ = rule id) for kept matches."""

    def __init__(
        self,
        nlp: Language,
        rules_file: str,
        spans_key: str,
        labels: Iterable[str],
        gate: Gate | None = None,
        quoted: bool = True,
    ) -> None:
        self.spans_key = spans_key
        # Fact assembly quotes these mentions as evidence: keep a Mention per kept span (the
        # cell anchors are only counted by label, which their Spans give as cheaply).
        self.quoted = quoted
        rules = load_rules(rules_file, frozenset([*labels, BLOCK_LABEL]))
        self.matcher = RuleMatcher(nlp, rules, rules_file)
        strings = nlp.vocab.strings  # label and id hashes, so no Span looks a string up
        self.hashes = {r.id: (strings.add(r.label), strings.add(r.id)) for r in rules}
        self.gate = gate

    def __call__(self, doc: Doc) -> Doc:
        spans, ranges = [], []
        infos: list[Mention] | None = [] if self.quoted else None
        matches = self.matcher(doc)
        scope = doc_scope(doc) if self.gate and matches else None
        if scope is not None:
            scope.set_matches(matches)
        hashes = self.hashes
        for start, end, rule in matches:
            if rule.label == BLOCK_LABEL:
                continue
            label, span_id = hashes[rule.id]
            span = Span(doc, start, end, label=label, span_id=span_id)
            if scope is None or self.gate(span, rule, scope):
                spans.append(span)
                ranges.append((start, end))
                if infos is not None:
                    infos.append(mention_info(span, rule.label, rule.id))
        set_group(doc, self.spans_key, ranges, spans, infos)
        return doc


def product_gate(span: Span, rule: Rule, scope: DocScope) -> bool:
    """Tissue/donor: in scope, and next to a cell mention when the rule asks for one."""
    if scope.out_of_scope(span) or scope.negated(span):
        return False
    return not rule.needs_cell or scope.near_cell(span, window=25)


def route_gate(span: Span, rule: Rule, scope: DocScope) -> bool:
    """Routes: in scope, and attached to the cells rather than a co-administered drug."""
    if scope.out_of_scope(span):
        return False
    return route_attaches(span, rule, scope)


@Language.factory(
    "cv_anchors",
    assigns=["doc.spans"],
    default_config={"rules_file": "anchor_patterns.jsonl", "spans_key": "cell"},
)
def make_anchors(nlp: Language, name: str, rules_file: str, spans_key: str) -> MentionComponent:
    """Cell-product anchors ('cells', 'MSCs', 'exosomes') that other mentions attach to."""
    return MentionComponent(nlp, rules_file, spans_key, ("cell", "cell_free"), quoted=False)


@Language.factory(
    "cv_tissue",
    assigns=["doc.spans"],
    default_config={"rules_file": "tissue_patterns.jsonl", "spans_key": "tissue"},
)
def make_tissue(nlp: Language, name: str, rules_file: str, spans_key: str) -> MentionComponent:
    """Tissue-source mentions (BM-MSC, Wharton's jelly, SVF ...)."""
    return MentionComponent(nlp, rules_file, spans_key, keys("tissue_sources"), product_gate)


@Language.factory(
    "cv_donor",
    assigns=["doc.spans"],
    default_config={"rules_file": "donor_patterns.jsonl", "spans_key": "donor"},
)
def make_donor(nlp: Language, name: str, rules_file: str, spans_key: str) -> MentionComponent:
    """Donor mentions, explicit or implied ('patient's own', 'from healthy donors')."""
    return MentionComponent(nlp, rules_file, spans_key, keys("donor"), product_gate)


@Language.factory(
    "cv_routes",
    assigns=["doc.spans"],
    default_config={"rules_file": "route_patterns.jsonl", "spans_key": "route"},
)
def make_routes(nlp: Language, name: str, rules_file: str, spans_key: str) -> MentionComponent:
    """Route mentions attached to the cells (not to a co-administered drug)."""
    return MentionComponent(nlp, rules_file, spans_key, keys("routes"), route_gate)


@Language.factory(
    "cv_setting_signals",
    assigns=["doc.spans"],
    default_config={"rules_file": "setting_patterns.jsonl", "spans_key": "setting"},
)
def make_setting(nlp: Language, name: str, rules_file: str, spans_key: str) -> MentionComponent:
    """Setting signals (phase, pay-to-participate, clinic advertising, regulator letters)."""
    return MentionComponent(nlp, rules_file, spans_key, keys("settings"))


class ProductMatcher:
    """Named products and their aliases from ``data/products.csv`` (label_ = product name)."""

    SOURCE = "products.csv"

    def __init__(self, nlp: Language, spans_key: str) -> None:
        self.spans_key = spans_key
        self.index = shared_index(nlp)
        rules = []
        for row in load_products():
            names = [row["product"], *(a.strip() for a in (row.get("aliases") or "").split("|"))]
            for n, name in enumerate(dict.fromkeys(x for x in names if x)):
                rules.append(Rule(id=f"{row['product']}#{n}", label=row["product"], pattern=name))
        self.index.add(self.SOURCE, rules)

    def __call__(self, doc: Doc) -> Doc:
        found = sorted((s, -e, rule.label) for s, e, rule in self.index.matches(doc, self.SOURCE))
        kept, infos, last_end = [], [], -1
        for start, neg_end, label in found:
            if start >= last_end:
                span = Span(doc, start, -neg_end, label=label, span_id=label)
                kept.append(span)
                infos.append(mention_info(span, label, label))
                last_end = -neg_end
        remember_spans(doc, self.spans_key, kept, infos)
        return doc


@Language.factory("cv_products", assigns=["doc.spans"], default_config={"spans_key": "product"})
def make_products(nlp: Language, name: str, spans_key: str) -> ProductMatcher:
    """Named MSC products (remestemcel-L, Alofisel ...)."""
    return ProductMatcher(nlp, spans_key)
