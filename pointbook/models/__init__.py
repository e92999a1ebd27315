"""The counting side, one module per capability; every model is importable from `pointbook.models`.

Every figure anyone sees about points is a sum of `LedgerEntry` rows. Entries are never updated or
deleted (the database refuses it) and corrections are new entries that point at what they correct.
"""

from pointbook.models.commendations import (
    AwardCategory,
    Certificate,
    Nomination,
    Objection,
)
from pointbook.models.conduct import AdjustmentPolicy, Appeal, AppealMessage, Complaint, PublicRating, Sighting
from pointbook.models.hours_certificates import HoursCertificate, HoursCertificateConfig
from pointbook.models.incentives import Redemption, Reward, RewardQualification, RewardsPolicy, RewardsWallet
from pointbook.models.ledger import SPENDING_KINDS, LedgerEntry, LedgerTotal
from pointbook.models.reports import RecognitionReport
from pointbook.models.rules import ConductRule, PointsRule, PublicHoliday
from pointbook.models.standings import Standing, StandingsSnapshot
from pointbook.models.targets import Target, TargetPlan

__all__ = [
    "AdjustmentPolicy",
    "Appeal",
    "AppealMessage",
    "AwardCategory",
    "Certificate",
    "Complaint",
    "ConductRule",
    "HoursCertificate",
    "HoursCertificateConfig",
    "LedgerEntry",
    "LedgerTotal",
    "Nomination",
    "Objection",
    "PointsRule",
    "PublicHoliday",
    "PublicRating",
    "Redemption",
    "Reward",
    "RewardQualification",
    "RewardsPolicy",
    "RewardsWallet",
    "SPENDING_KINDS",
    "RecognitionReport",
    "Sighting",
    "Standing",
    "StandingsSnapshot",
    "Target",
    "TargetPlan",
]
