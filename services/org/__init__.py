"""Organisation and people: the org tree, roster and household import, bind codes, sign-in of
members, residents and staff."""
