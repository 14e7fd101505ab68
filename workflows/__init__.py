"""Beian's engine room: store, clock, calendar, spec registry, the one write path and the sweeps."""
