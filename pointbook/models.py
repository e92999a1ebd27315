# Rules, ledger, balances, standings and commendations arrive with the pointbook issue.
