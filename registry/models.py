"""SQLModel tables of the registry: the schema is declared once here, compiled by duckdb-engine.

Bulk loading goes through DuckDB's own API (see ``registry.store``), because ORM inserts row by
row are two orders of magnitude slower on DuckDB; the models stay the single schema definition.
Integer keys carry ``autoincrement=False``: duckdb-engine would otherwise emit ``SERIAL``, which
DuckDB does not know.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

NO_AUTO = {"autoincrement": False}


class DocumentVersion(SQLModel, table=True):
    """One version of one document as one source delivered it; never updated, never deleted."""

    __tablename__ = "document_versions"

    doc_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True, sa_column_kwargs=NO_AUTO)
    source: str
    source_kind: str
    external_id: str
    url: str | None = None
    title: str | None = None
    text: str | None = None
    year: int | None = None
    country: str | None = None
    published: str | None = None
    updated: str | None = None
    fetched_at: datetime
    loaded_at: datetime
    provenance: str | None = None
    content_sha256: str
    raw: str | None = None
    raw_format: str | None = None
    extra: str | None = None


class DocumentAlias(SQLModel, table=True):
    """Identifiers (pmid:, doi:, nct:, url:) that resolve to one document, so sources merge."""

    __tablename__ = "document_aliases"

    alias: str = Field(primary_key=True)
    doc_id: str


class DocumentSource(SQLModel, table=True):
    """Each source that delivered a document (a paper in PubMed and Europe PMC has two rows)."""

    __tablename__ = "document_sources"

    doc_id: str = Field(primary_key=True)
    source: str = Field(primary_key=True)
    external_id: str
    url: str | None = None
    first_seen: datetime


class TrialRecord(SQLModel, table=True):
    """Structured trial metadata of one document version (CSV export, legacy or v2 record)."""

    __tablename__ = "trial_records"

    doc_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True, sa_column_kwargs=NO_AUTO)
    nct_id: str
    source: str
    title: str | None = None
    acronym: str | None = None
    status: str | None = None
    phase: str | None = None
    study_type: str | None = None
    lead_sponsor: str | None = None
    sponsor_class: str | None = None
    collaborators: str | None = None
    enrollment: int | None = None
    conditions: str | None = None
    interventions: str | None = None
    countries: str | None = None
    start_date: str | None = None
    completion_date: str | None = None
    first_posted: str | None = None
    last_update_posted: str | None = None
    is_fda_regulated_drug: bool | None = None
    is_fda_regulated_device: bool | None = None
    has_dmc: bool | None = None
    has_expanded_access: bool | None = None
    has_results: bool | None = None
    url: str | None = None


class TrialAdverseEvent(SQLModel, table=True):
    """A results adverse event of one trial arm (serious or other), as the record reports it."""

    __tablename__ = "trial_adverse_events"

    doc_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True, sa_column_kwargs=NO_AUTO)
    seq: int = Field(primary_key=True, sa_column_kwargs=NO_AUTO)
    group_id: str | None = None
    group_title: str | None = None
    group_description: str | None = None
    term: str
    organ_system: str | None = None
    serious: bool
    num_affected: int | None = None
    num_at_risk: int | None = None
    num_events: int | None = None
    source_vocabulary: str | None = None


class DocExtraction(SQLModel, table=True):
    """The NLP output for one document version by one extractor version."""

    __tablename__ = "doc_extractions"

    doc_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True, sa_column_kwargs=NO_AUTO)
    extractor_version: str = Field(primary_key=True)
    extracted_at: datetime
    setting: str | None = None
    error: str | None = None
    output: str | None = None


class FactMention(SQLModel, table=True):
    """One extracted mention with its evidence: sentence and character offsets into title+text."""

    __tablename__ = "fact_mentions"

    doc_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True, sa_column_kwargs=NO_AUTO)
    extractor_version: str = Field(primary_key=True)
    seq: int = Field(primary_key=True, sa_column_kwargs=NO_AUTO)
    field: str
    key: str | None = None
    status: str | None = None
    cells: float | None = None
    per_kg: bool | None = None
    text: str | None = None
    sentence: str | None = None
    start: int | None = None
    end: int | None = None


class BuildRun(SQLModel, table=True):
    """One build or ingest run: what it loaded, what it skipped and how long it took."""

    __tablename__ = "build_runs"

    run_id: str = Field(primary_key=True)
    kind: str
    started_at: datetime
    finished_at: datetime | None = None
    input: str | None = None
    inserted: int = 0
    new_versions: int = 0
    unchanged: int = 0
    skipped: int = 0
    extractor_version: str | None = None
    notes: str | None = None
