"""Complaints: tracking codes and PINs, identity warnings, categories, identity encryption, the
handling workflow with its deadlines, and published statistics. Pure logic, no I/O."""
