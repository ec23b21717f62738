"""The scheduler process (``flask scheduler run``): job definitions and their times."""
