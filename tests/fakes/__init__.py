"""Fakes of outside services that run as real HTTP servers on loopback."""
