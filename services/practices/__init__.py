"""The township's routines the commitment cycle rests on: 联户走访 (visits), 主题党日 (party
days with attendance and reports), 三评 (monthly branch score, quarterly residents' survey) and
the pledge-template catalogue per organisation type."""

from services.practices import access, coverage, party_day, survey, templates, visits

__all__ = ["access", "coverage", "party_day", "survey", "templates", "visits"]
