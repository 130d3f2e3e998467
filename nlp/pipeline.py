"""One ``build_nlp()`` for production and tests: spacy.blank("en") plus rule components."""

from __future__ import annotations

import importlib
import logging
import re

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex

import nlp.dose_component  # noqa: F401  (registers cv_doses)
import nlp.mentions  # noqa: F401  (registers cv_anchors, cv_tissue, cv_donor, cv_routes ...)
import nlp.sentences  # noqa: F401  (registers cv_sentences)
from nlp.tokenizer_speed import InfixFinditer, PrefixSearch, SuffixSearch, UrlMatch

log = logging.getLogger(__name__)

# Components developed in parallel modules; wired in when their module registers them.
OPTIONAL_COMPONENTS = (("nlp.events", "cv_events"), ("nlp.context", "cv_context"))
CORE_COMPONENTS = (
    "cv_sentences",
    "cv_anchors",
    "cv_products",
    "cv_tissue",
    "cv_donor",
    "cv_routes",
    "cv_doses",
)


def _split_glued_brackets(nlp: Language) -> None:
    """Split 'IV(over' and 'cells(n' so a bracket glued to a word does not hide the word."""
    infixes = [*nlp.Defaults.infixes, r"(?<=[A-Za-z])\((?=[A-Za-z])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def _skip_hopeless_regex_scans(nlp: Language) -> None:
    """Same tokens, make_doc about twice as fast: the tokenizer's prefix, suffix, infix and URL
    regexes behind stand-ins that skip scans which cannot match (nlp/tokenizer_speed.py)."""
    tok = nlp.tokenizer
    rules, tok.rules = tok.rules, {}  # each setter below re-tokenizes the rules (~40 ms): once
    tok.prefix_search = PrefixSearch(tok.prefix_search.__self__).search
    tok.suffix_search = SuffixSearch(tok.suffix_search.__self__).search
    tok.infix_finditer = InfixFinditer(tok.infix_finditer.__self__).finditer
    tok.url_match = UrlMatch(tok.url_match.__self__).match
    tok.rules = rules


def optional_factories() -> list[str]:
    """Names of the parallel components whose modules are importable and registered."""
    names = []
    for module, factory in OPTIONAL_COMPONENTS:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        if factory in spacy.registry.factories.get_all() or Language.has_factory(factory):
            names.append(factory)
    return names


def build_nlp(optional: bool = True) -> Language:
    """The CellVigil pipeline: sentences, anchors, products, tissue, donor, routes, doses,
    the events/context components when available, then setting signals."""
    nlp = spacy.blank("en")
    _split_glued_brackets(nlp)
    _skip_hopeless_regex_scans(nlp)
    for name in CORE_COMPONENTS:
        nlp.add_pipe(name)
    if optional:
        for name in optional_factories():
            nlp.add_pipe(name)
    nlp.add_pipe("cv_setting_signals")
    return nlp


def events_nlp(with_context: bool = True) -> Language:
    """Sentences and events (and, by default, their status) alone: the part that tests and
    benchmarks of event detection and status measure, without the other matchers."""
    import nlp.context  # noqa: F401  (registers cv_events and cv_context)

    pipe = spacy.blank("en")
    pipe.add_pipe("cv_sentences")
    pipe.add_pipe("cv_events")
    if with_context:
        pipe.add_pipe("cv_context")
    return pipe


def component_names(nlp: Language) -> list[str]:
    """The pipe names, for the extractor version string."""
    return [re.sub(r"\W", "", n) for n in nlp.pipe_names]
