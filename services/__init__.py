"""The rules of 践诺: plain functions on a SQLAlchemy session, raising domain errors."""
