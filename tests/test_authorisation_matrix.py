"""Who may open what: every URL of our apps against every named user (see tests/conftest.py).

The matrix below is the specification. Adding a URL to volunteers/urls.py, cms/urls.py or
pointbook/urls.py without a row here fails `test_every_url_has_a_row_in_the_matrix`.

Cells:
    200            the page renders
    Redirect(path) the request is accepted and answered with a redirect to `path` (a POST so
                   answered must have changed the database); a path ending in "*" is to
                   something the request made (any id there: "/staff/reports/*")
    LOGIN          anonymous: redirected to the login page with ?next=
    403            logged in, but without the role the page needs
    404            has the role, but the object is outside their region / organisation, or
                   (POST-only endpoints) the object is not theirs
    NO_ROLE        POST-only endpoints, logged in without the role: refused, 403 or 404
    Unchanged(c)   answered as `c` (a redirect with a message, a form with errors), but refused:
                   the database must not change

Methods: "GET" a page; "POST" a POST-only endpoint; "FORM" a POST to a page that also answers GET
(a staff form), with data that would be accepted from someone allowed.

A GET never changes the database, whoever sends it (a link may be followed by anything: a prefetch,
a crawler). For GET pages every refused cell is also tried with a POST, which must be refused the
same way and change nothing. For POST-only endpoints a GET is 405 (login redirect for anonymous), and
every refused POST changes nothing.

Ids: "{firm_a}" is world.firm_a's id (tests/conftest.py), "{shift_a}" the rota fixture's, and so
on, plus the few extra objects `_rota_extras` makes (open shifts, waiting-list offers, the
lawyer's calendar token, form dates), and for the points rows what `_pointbook_extras` makes
("{record_a}" attendance waiting in district A, "{record_b}" in B, "{approved_a}" / "{approved_b}"
approved, "{logged_a}" / "{logged_b}" logged work with an evidence file, "{appeal_a}" /
"{appeal_b}" each lawyer's appeal, the lawyer's "{rating_token}", ...), and for the recognition
rows what `_recognition_extras` makes (awards, nominees, certificates, reports of each
district). An arg starting with "?" is the query string (`appeal_new`, `staff_rescore`).
"""

import dataclasses
import re
from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.test.client import RedirectCycleError
from django.urls import URLResolver, get_resolver, reverse

from core.models import Job
from pointbook.models import (
    AdjustmentPolicy,
    Appeal,
    AppealMessage,
    AwardCategory,
    Certificate,
    Complaint,
    ConductRule,
    HoursCertificate,
    HoursCertificateConfig,
    LedgerEntry,
    Nomination,
    Objection,
    PointsRule,
    PublicRating,
    RecognitionReport,
    Redemption,
    Reward,
    RewardQualification,
    RewardsPolicy,
    RewardsWallet,
    Standing,
    StandingsSnapshot,
    Target,
    TargetPlan,
)
from tests.conftest import USER_NAMES
from volunteers.models import (
    AuditEntry,
    Contributor,
    EvidenceFile,
    ExportJob,
    Handover,
    ImportJob,
    Membership,
    Organisation,
    Region,
    RequestEvent,
    RequestPolicy,
    RotaPolicy,
    ServiceRecord,
    ServiceRequest,
    Shift,
    Signup,
    StaffProfile,
    Venue,
)


@dataclasses.dataclass(frozen=True)
class Redirect:
    to: str


@dataclasses.dataclass(frozen=True)
class Unchanged:
    cell: object


LOGIN = "login"
NO_ROLE = (403, 404)
PROFILE = Redirect("/profile/")
PROFILE_FORM = Redirect("/profile/edit/")

# Variants of a URL with an object id: the object in district A, and the one in district B (for a
# contributor's own things: the lawyer's, in district A, and the other lawyer's, in district B).
A, B = "A", "B"

#             anonymous lawyer other_lawyer firm_admin staff_a staff_b city_staff
PUBLIC = (200, 200, 200, 200, 200, 200, 200)
LOGGED_IN = (LOGIN, 200, 200, 200, 200, 200, 200)
STAFF_ONLY = (LOGIN, 403, 403, 403, 200, 200, 200)
STAFF_IN_A = (LOGIN, 403, 403, 403, 200, 404, 200)
STAFF_IN_B = (LOGIN, 403, 403, 403, 404, 200, 200)


def staff_in_a(ok):
    """A staff form for an object in district A: `ok` for staff of A and the city."""
    return (LOGIN, 403, 403, 403, ok, 404, ok)


def staff_in_b(ok):
    return (LOGIN, 403, 403, 403, 404, ok, ok)


MY_SHIFTS = Redirect("/my/shifts/")
FIRM_A_RECORD = Redirect("/org/{firm_a}/record/")
# Someone without a contributor profile (firm admin, bureau staff) is sent to fill one in; nothing is taken.
NOT_A_CONTRIBUTOR = Unchanged(PROFILE_FORM)
CONTRIBUTORS_ONLY = (
    LOGIN,
    MY_SHIFTS,
    MY_SHIFTS,
    NOT_A_CONTRIBUTOR,
    NOT_A_CONTRIBUTOR,
    NOT_A_CONTRIBUTOR,
    NOT_A_CONTRIBUTOR,
)
OPP_A_SHIFTS = Redirect("/staff/opportunities/{opportunity_a}/shifts/")
OPP_B_SHIFTS = Redirect("/staff/opportunities/{opportunity_b}/shifts/")

# A valid shift form / series form (dates from `_rota_extras`).
SHIFT_FORM = {
    "starts_at": "{edit_starts}",
    "ends_at": "{edit_ends}",
    "capacity": "3",
    "min_staffing": "1",
    "signup_deadline": "{edit_signup}",
    "cancel_deadline": "{edit_cancel}",
}
SERIES_FORM = {
    "first_day": "{series_first}",
    "last_day": "{series_last}",
    "weekdays": ["0", "2"],
    "every_weeks": "1",
    "times": "09:00-12:00",
    "capacity": "2",
    "min_staffing": "1",
    "signup_hours_before": "12",
    "cancel_hours_before": "24",
}

# url name (or a literal path) → variant → (method, url args, POST data, expected per USER_NAMES).
# "{firm_a}" in args and data is the id of world.firm_a (tests/conftest.py), and so on.
MATRIX = {
    "/": {
        "-": ("GET", [], None, PUBLIC),
    },
    "profile": {
        "-": ("GET", [], None, (LOGIN, 200, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)),
    },
    "profile_complete": {
        "-": ("GET", [], None, LOGGED_IN),
    },
    "membership_request": {
        # The other lawyer is already a member of firm B: told so, nothing asked.
        "-": (
            "POST",
            [],
            {"organisation": "{firm_b}"},
            (LOGIN, PROFILE, Unchanged(PROFILE), NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
    },
    "membership_withdraw": {
        A: ("POST", ["{pending_a}"], {}, (LOGIN, 404, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        B: ("POST", ["{pending_b}"], {}, (LOGIN, 404, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        # An active membership is left, not withdrawn: refused with a message.
        "own": (
            "POST",
            ["{lawyer_membership}"],
            {},
            (LOGIN, Unchanged(PROFILE), 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
    },
    "membership_leave": {
        A: ("POST", ["{lawyer_membership}"], {}, (LOGIN, PROFILE, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        B: ("POST", ["{other_lawyer_membership}"], {}, (LOGIN, 404, PROFILE, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
    },
    "org_index": {
        "-": ("GET", [], None, (LOGIN, 403, 403, Redirect("/org/{firm_a}/members/"), 403, 403, 403)),
    },
    "org_members": {
        A: ("GET", ["{firm_a}"], None, (LOGIN, 403, 403, 200, 403, 403, 403)),
        B: ("GET", ["{firm_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    "org_member_action": {
        A: (
            "POST",
            ["{firm_a}", "{pending_a}", "confirm"],
            {},
            (LOGIN, NO_ROLE, NO_ROLE, Redirect("/org/{firm_a}/members/"), NO_ROLE, NO_ROLE, NO_ROLE),
        ),
        B: (
            "POST",
            ["{firm_b}", "{pending_b}", "confirm"],
            {},
            (LOGIN, NO_ROLE, NO_ROLE, 404, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
        # Own firm in the path, another firm's request as the membership: still not theirs.
        "forged": (
            "POST",
            ["{firm_a}", "{pending_b}", "confirm"],
            {},
            (LOGIN, NO_ROLE, NO_ROLE, 404, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
        "unknown action": (
            "POST",
            ["{firm_a}", "{pending_a}", "approve-all"],
            {},
            (LOGIN, NO_ROLE, NO_ROLE, 404, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
    },
    "staff_dashboard": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_regions": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_region_edit": {
        A: ("GET", ["{township_a}"], None, STAFF_IN_A),
        B: ("GET", ["{township_b}"], None, STAFF_IN_B),
    },
    "staff_region_add_child": {
        A: ("GET", ["{township_a}"], None, STAFF_IN_A),
        B: ("GET", ["{township_b}"], None, STAFF_IN_B),
    },
    "staff_venues": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_venue_create": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_venue_edit": {
        A: ("GET", ["{venue_a}"], None, STAFF_IN_A),
        B: ("GET", ["{venue_b}"], None, STAFF_IN_B),
    },
    "staff_organisations": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_organisation_create": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_organisation_edit": {
        A: ("GET", ["{firm_a}"], None, STAFF_IN_A),
        B: ("GET", ["{firm_b}"], None, STAFF_IN_B),
    },
    "staff_organisation_admins": {
        A: ("GET", ["{firm_a}"], None, STAFF_IN_A),
        B: ("GET", ["{firm_b}"], None, STAFF_IN_B),
    },
    "staff_people": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_person_edit": {
        A: ("GET", ["{lawyer_contributor}"], None, STAFF_IN_A),
        B: ("GET", ["{other_lawyer_contributor}"], None, STAFF_IN_B),
    },
}

# The rota's pages, tried with the `rota` fixture on top of the world (tests/conftest.py).
ROTA_MATRIX = {
    # --- contributors ---
    "shift_signup": {
        "-": ("POST", [], {"shift": "{open_shift_b}"}, CONTRIBUTORS_ONLY),
        # The lawyer holds shift_a already; the other lawyer holds shift_b at the same time.
        "taken or clashing": (
            "POST",
            [],
            {"shift": "{shift_a}"},
            (
                LOGIN,
                Unchanged(MY_SHIFTS),
                Unchanged(MY_SHIFTS),
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
        "offsite next": ("POST", [], {"shift": "{open_shift_a}", "next": "https://evil.example/"}, CONTRIBUTORS_ONLY),
    },
    "shift_waitlist": {
        A: ("POST", ["{open_shift_a}"], {}, CONTRIBUTORS_ONLY),
        B: ("POST", ["{open_shift_b}"], {}, CONTRIBUTORS_ONLY),
        "taken or clashing": (
            "POST",
            ["{shift_a}"],
            {},
            (
                LOGIN,
                Unchanged(MY_SHIFTS),
                Unchanged(MY_SHIFTS),
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
        "unknown": (
            "POST",
            ["999999999"],
            {},
            (LOGIN, 404, 404, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR),
        ),
    },
    "my_shifts": {
        "-": ("GET", [], None, (LOGIN, 200, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)),
    },
    "signup_cancel": {
        A: ("POST", ["{signup_a}"], {}, (LOGIN, MY_SHIFTS, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        B: ("POST", ["{signup_b}"], {}, (LOGIN, 404, MY_SHIFTS, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        "over": (
            "POST",
            ["{past_signup_a}"],
            {},
            (LOGIN, Unchanged(MY_SHIFTS), 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
    },
    "offer_accept": {
        A: ("POST", ["{offer_a}"], {}, (LOGIN, MY_SHIFTS, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        B: ("POST", ["{offer_b}"], {}, (LOGIN, 404, MY_SHIFTS, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        "no offer": (
            "POST",
            ["{signup_a}"],
            {},
            (LOGIN, Unchanged(MY_SHIFTS), 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
    },
    "calendar_reset": {
        "-": ("POST", [], {}, (LOGIN, MY_SHIFTS, MY_SHIFTS, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
    },
    # The token is the only key: no login, and an unknown one is simply not there.
    "calendar_feed": {
        "lawyer's": ("GET", ["{lawyer_calendar_token}"], None, PUBLIC),
        "unknown": ("GET", ["not-a-calendar-token"], None, (404,) * 7),
    },
    # --- bureau staff ---
    "staff_shift_edit": {
        A: ("GET", ["{shift_a}"], None, STAFF_IN_A),
        B: ("GET", ["{shift_b}"], None, STAFF_IN_B),
        "A saved": ("FORM", ["{shift_a}"], {**SHIFT_FORM, "venue": "{venue_a}"}, staff_in_a(OPP_A_SHIFTS)),
        "B saved": ("FORM", ["{shift_b}"], {**SHIFT_FORM, "venue": "{venue_b}"}, staff_in_b(OPP_B_SHIFTS)),
        "moved out of the region": (
            "FORM",
            ["{shift_a}"],
            {**SHIFT_FORM, "venue": "{venue_b}"},
            (LOGIN, 403, 403, 403, Unchanged(200), 404, OPP_A_SHIFTS),
        ),
    },
    "staff_shift_cancel": {
        A: ("GET", ["{shift_a}"], None, STAFF_IN_A),
        B: ("GET", ["{shift_b}"], None, STAFF_IN_B),
        "A cancelled": ("FORM", ["{shift_a}"], {"reason": "场地维修"}, staff_in_a(OPP_A_SHIFTS)),
        "B cancelled": ("FORM", ["{shift_b}"], {"reason": "场地维修"}, staff_in_b(OPP_B_SHIFTS)),
    },
    "staff_shift_roster": {
        A: ("GET", ["{shift_a}"], None, STAFF_IN_A),
        B: ("GET", ["{shift_b}"], None, STAFF_IN_B),
        "A marked": (
            "FORM",
            ["{past_shift_a}"],
            {"signup": "{past_signup_a}", "attended": "yes"},
            staff_in_a(Redirect("/staff/shifts/{past_shift_a}/roster/")),
        ),
        "B marked": (
            "FORM",
            ["{past_shift_b}"],
            {"signup": "{past_signup_b}", "attended": "yes"},
            staff_in_b(Redirect("/staff/shifts/{past_shift_b}/roster/")),
        ),
        # A roster in district A, someone from district B's shift as the sign-up: not on this shift.
        "forged": (
            "FORM",
            ["{past_shift_a}"],
            {"signup": "{past_signup_b}", "attended": "yes"},
            (LOGIN, 403, 403, 403, 404, 404, 404),
        ),
    },
    "staff_coverage": {"-": ("GET", [], None, STAFF_ONLY)},
    # City-wide rules: only the city bureau.
    "staff_rota_rules": {
        "-": ("GET", [], None, (LOGIN, 403, 403, 403, 403, 403, 200)),
        "saved": (
            "FORM",
            [],
            {
                "max_hours_per_day": "8",
                "max_hours_per_week": "30",
                "offer_hours": "6",
                "reminder_hours": "24",
                "no_show_limit": "2",
                "no_show_window_days": "90",
            },
            (LOGIN, 403, 403, 403, 403, 403, Redirect("/staff/rota-rules/")),
        ),
    },
    "staff_opportunities": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_opportunity_shifts": {
        A: ("GET", ["{opportunity_a}"], None, STAFF_IN_A),
        B: ("GET", ["{opportunity_b}"], None, STAFF_IN_B),
        "A series": ("FORM", ["{opportunity_a}"], {**SERIES_FORM, "venue": "{venue_a}"}, staff_in_a(OPP_A_SHIFTS)),
        "B series": ("FORM", ["{opportunity_b}"], {**SERIES_FORM, "venue": "{venue_b}"}, staff_in_b(OPP_B_SHIFTS)),
        "venue outside the region": (
            "FORM",
            ["{opportunity_a}"],
            {**SERIES_FORM, "venue": "{venue_b}"},
            (LOGIN, 403, 403, 403, Unchanged(200), 404, OPP_A_SHIFTS),
        ),
    },
}
MATRIX.update(ROTA_MATRIX)

QUEUE = Redirect("/staff/records/")
# A contributor's own pages: people without a completed contributor profile are sent to fill one in.
CONTRIBUTOR_PAGE = (LOGIN, 200, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)
# Someone else's record, appeal or entry, asked for by a contributor, is simply not there.
LAWYERS_OWN = (LOGIN, 200, 404, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)
OTHER_LAWYERS_OWN = (LOGIN, 404, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)
CITY_STAFF_ONLY = (LOGIN, 403, 403, 403, 403, 403, 200)


def city_staff_only(ok):
    """A city-wide form (the points rules): `ok` for city staff; district staff are refused too."""
    return (LOGIN, 403, 403, 403, 403, 403, ok)


# Logged work (dates from `_pointbook_extras`): valid, except that no evidence file comes with it.
LOG_FORM = {
    "service_type": "{hotline}",
    "date": "{log_date}",
    "start_time": "09:00",
    "hours": "2",
    "people_served": "1",
    "description": "为社区居民提供法律咨询",
}
RULE_FORM = {
    "effective_from": "{rule_date}",
    "points_per_hour": "11",
    "rural_multiplier": "1.5",
    "special_group_multiplier": "1",
    "night_holiday_multiplier": "1",
    "daily_cap": "",
    "yearly_cap": "",
    "note": "调整",
}
CONDUCT_FORM = {
    "event": "complaint",
    "effective_from": "{rule_date}",
    "fixed_points": "-60",
    "times_points": "0",
    "note": "投诉属实",
}
RECORD_A = Redirect("/staff/records/{approved_a}/")
RECORD_B = Redirect("/staff/records/{approved_b}/")
APPEAL_A = Redirect("/staff/appeals/{appeal_a}/")
APPEAL_B = Redirect("/staff/appeals/{appeal_b}/")

# Points (the rota fixture plus the service records, appeals and rating links of `_pointbook_extras`).
POINTBOOK_MATRIX = {
    # --- contributors ---
    "my_points": {
        "-": ("GET", [], None, CONTRIBUTOR_PAGE),
    },
    "my_records": {
        "-": ("GET", [], None, CONTRIBUTOR_PAGE),
    },
    "my_record": {
        A: ("GET", ["{approved_a}"], None, LAWYERS_OWN),
        B: ("GET", ["{approved_b}"], None, OTHER_LAWYERS_OWN),
        "logged A": ("GET", ["{logged_a}"], None, LAWYERS_OWN),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 404, 404) + (PROFILE_FORM,) * 4),
    },
    "rating_link": {
        # The lawyer's link exists already: shown again, nothing new made.
        A: (
            "POST",
            ["{approved_a}"],
            {},
            (LOGIN, Unchanged(Redirect("/my/records/{approved_a}/#rating")), 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
        B: (
            "POST",
            ["{approved_b}"],
            {},
            (LOGIN, 404, Redirect("/my/records/{approved_b}/#rating"), NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
        # Only approved records are rated: told so.
        "waiting": (
            "POST",
            ["{record_a}"],
            {},
            (LOGIN, Unchanged(Redirect("/my/records/{record_a}/#rating")), 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
    },
    "my_appeals": {
        "-": ("GET", [], None, CONTRIBUTOR_PAGE),
    },
    "my_appeal": {
        A: ("GET", ["{appeal_a}"], None, LAWYERS_OWN),
        B: ("GET", ["{appeal_b}"], None, OTHER_LAWYERS_OWN),
        "A replied": (
            "FORM",
            ["{appeal_a}"],
            {"body": "补充：当天签到表已上传"},
            (
                LOGIN,
                Redirect("/my/appeals/{appeal_a}/"),
                404,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
        "B replied": (
            "FORM",
            ["{appeal_b}"],
            {"body": "补充：当天签到表已上传"},
            (
                LOGIN,
                404,
                Redirect("/my/appeals/{appeal_b}/"),
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
    },
    "appeal_new": {
        # What is appealed comes as ?entry= or ?record=; without one there is nothing to appeal.
        "-": ("GET", [], None, (LOGIN, 404, 404) + (PROFILE_FORM,) * 4),
        "entry A": ("GET", ["?entry={award_a}"], None, LAWYERS_OWN),
        "entry B": ("GET", ["?entry={award_b}"], None, OTHER_LAWYERS_OWN),
        "record B": ("GET", ["?record={logged_b}"], None, OTHER_LAWYERS_OWN),
        # The lawyer's appeal about this entry is open already; the other lawyer cannot appeal it.
        "entry A again": (
            "FORM",
            [],
            {"entry": "{award_a}", "body": "积分计算有误"},
            (LOGIN, Unchanged(200), 404, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR),
        ),
        # Only a rejected record is appealed: one still waiting is amended instead.
        "waiting record A": (
            "FORM",
            [],
            {"record": "{logged_a}", "body": "请尽快审核"},
            (LOGIN, Unchanged(200), 404, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR),
        ),
    },
    "record_log": {
        "-": ("GET", [], None, CONTRIBUTOR_PAGE),
        "without evidence": (
            "FORM",
            [],
            {**LOG_FORM, "region": "{district_a}"},
            (
                LOGIN,
                Unchanged(200),
                Unchanged(200),
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
    },
    "record_edit": {
        A: ("GET", ["{logged_a}"], None, LAWYERS_OWN),
        B: ("GET", ["{logged_b}"], None, OTHER_LAWYERS_OWN),
        # Attendance comes from the roster: it is not logged work to edit.
        "attendance A": ("GET", ["{record_a}"], None, (LOGIN, 404, 404) + (PROFILE_FORM,) * 4),
        "A saved": (
            "FORM",
            ["{logged_a}"],
            {**LOG_FORM, "region": "{district_a}"},
            (
                LOGIN,
                Redirect("/my/records/{logged_a}/"),
                404,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
        "B saved": (
            "FORM",
            ["{logged_b}"],
            {**LOG_FORM, "region": "{district_b}"},
            (
                LOGIN,
                404,
                Redirect("/my/records/{logged_b}/"),
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
    },
    # The file itself: to its owner and to staff whose region holds the record; nobody else learns it exists.
    "evidence_file": {
        A: ("GET", ["{logged_a}", "{evidence_a}"], None, (LOGIN, 200, 404, 404, 200, 404, 200)),
        B: ("GET", ["{logged_b}", "{evidence_b}"], None, (LOGIN, 404, 200, 404, 404, 200, 200)),
        # Another record's file under the lawyer's record: not this record's.
        "forged": ("GET", ["{logged_a}", "{evidence_b}"], None, (LOGIN, 404, 404, 404, 404, 404, 404)),
    },
    # --- firm admins: their members' records, read-only ---
    "org_records": {
        A: ("GET", ["{firm_a}"], None, (LOGIN, 403, 403, 200, 403, 403, 403)),
        B: ("GET", ["{firm_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    # --- the public: the token is the only key ---
    "rate": {
        "lawyer's": ("GET", ["{rating_token}"], None, PUBLIC),
        "used": ("GET", ["{used_rating_token}"], None, PUBLIC),
        "rated": ("FORM", ["{rating_token}"], {"score": "5", "comment": "解答很耐心"}, PUBLIC),
        "unknown": ("GET", ["not-a-rating-token"], None, (404,) * 7),
    },
    # --- bureau staff ---
    "staff_records": {
        "-": ("GET", [], None, STAFF_ONLY),
        # The queue is the staff member's region: a record of another district ticked is not in it.
        "A ticked": ("FORM", [], {"record": ["{record_a}"]}, (LOGIN, 403, 403, 403, QUEUE, Unchanged(QUEUE), QUEUE)),
        "B ticked": ("FORM", [], {"record": ["{record_b}"]}, (LOGIN, 403, 403, 403, Unchanged(QUEUE), QUEUE, QUEUE)),
        "approved A ticked": (
            "FORM",
            [],
            {"record": ["{approved_a}"]},
            (LOGIN, 403, 403, 403, Unchanged(QUEUE), Unchanged(QUEUE), Unchanged(QUEUE)),
        ),
        # Logged work is decided one record at a time, its evidence open: never in a bulk approval.
        "logged A ticked": (
            "FORM",
            [],
            {"record": ["{logged_a}"]},
            (LOGIN, 403, 403, 403, Unchanged(QUEUE), Unchanged(QUEUE), Unchanged(QUEUE)),
        ),
    },
    "staff_record": {
        A: ("GET", ["{record_a}"], None, STAFF_IN_A),
        B: ("GET", ["{record_b}"], None, STAFF_IN_B),
        "logged A": ("GET", ["{logged_a}"], None, STAFF_IN_A),
        "logged B": ("GET", ["{logged_b}"], None, STAFF_IN_B),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_record_decide": {
        A: ("POST", ["{record_a}", "approve"], {}, (LOGIN, 403, 403, 403, QUEUE, 404, QUEUE)),
        B: ("POST", ["{record_b}", "approve"], {}, (LOGIN, 403, 403, 403, 404, QUEUE, QUEUE)),
        "logged A approved": ("POST", ["{logged_a}", "approve"], {}, (LOGIN, 403, 403, 403, QUEUE, 404, QUEUE)),
        "A rejected": (
            "POST",
            ["{record_a}", "reject"],
            {"reason": "签到表无本人签字"},
            (LOGIN, 403, 403, 403, QUEUE, 404, QUEUE),
        ),
        "A rejected without a reason": (
            "POST",
            ["{record_a}", "reject"],
            {"reason": "  "},
            (LOGIN, 403, 403, 403, Unchanged(QUEUE), 404, Unchanged(QUEUE)),
        ),
        "A unapproved": (
            "POST",
            ["{approved_a}", "unapprove"],
            {"reason": "服务记录不实"},
            (LOGIN, 403, 403, 403, QUEUE, 404, QUEUE),
        ),
        "A unapproved without a reason": (
            "POST",
            ["{approved_a}", "unapprove"],
            {},
            (LOGIN, 403, 403, 403, Unchanged(QUEUE), 404, Unchanged(QUEUE)),
        ),
        "waiting A unapproved": (
            "POST",
            ["{record_a}", "unapprove"],
            {"reason": "服务记录不实"},
            (LOGIN, 403, 403, 403, Unchanged(QUEUE), 404, Unchanged(QUEUE)),
        ),
        # A complaint upheld, or a flag cleared, keeps staff on the record.
        "A complaint": (
            "POST",
            ["{approved_a}", "complaint"],
            {"reason": "当事人投诉服务态度差，经核实属实"},
            (LOGIN, 403, 403, 403, RECORD_A, 404, RECORD_A),
        ),
        "B complaint": (
            "POST",
            ["{approved_b}", "complaint"],
            {"reason": "当事人投诉服务态度差，经核实属实"},
            (LOGIN, 403, 403, 403, 404, RECORD_B, RECORD_B),
        ),
        "A complaint without a reason": (
            "POST",
            ["{approved_a}", "complaint"],
            {"reason": "  "},
            (LOGIN, 403, 403, 403, Unchanged(RECORD_A), 404, Unchanged(RECORD_A)),
        ),
        "flagged A unflagged": (
            "POST",
            ["{flagged_a}", "unflag"],
            {},
            (
                LOGIN,
                403,
                403,
                403,
                Redirect("/staff/records/{flagged_a}/"),
                404,
                Redirect("/staff/records/{flagged_a}/"),
            ),
        ),
        "unknown action": ("POST", ["{record_a}", "approve-all"], {}, (LOGIN, 403, 403, 403, 404, 404, 404)),
        "offsite back": (
            "POST",
            ["{record_a}", "approve"],
            {"back": "https://evil.example/staff/"},
            (LOGIN, 403, 403, 403, QUEUE, 404, QUEUE),
        ),
        "unknown": ("POST", ["999999999", "approve"], {}, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_appeals": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_appeal": {
        A: ("GET", ["{appeal_a}"], None, STAFF_IN_A),
        B: ("GET", ["{appeal_b}"], None, STAFF_IN_B),
        "A replied": (
            "FORM",
            ["{appeal_a}"],
            {"action": "reply", "reply-body": "请补充当天的签到表"},
            staff_in_a(APPEAL_A),
        ),
        "B replied": (
            "FORM",
            ["{appeal_b}"],
            {"action": "reply", "reply-body": "请补充当天的签到表"},
            staff_in_b(APPEAL_B),
        ),
        "A adjusted": (
            "FORM",
            ["{appeal_a}"],
            {"action": "adjust", "adjust-points": "5", "adjust-reason": "补记夜间值班系数"},
            staff_in_a(APPEAL_A),
        ),
        "A refused": (
            "FORM",
            ["{appeal_a}"],
            {"action": "refuse", "refuse-body": "积分按规则计算无误"},
            staff_in_a(APPEAL_A),
        ),
        "unknown action": ("FORM", ["{appeal_a}"], {"action": "delete"}, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    # Points rules hold city-wide: only the city bureau sees and changes them.
    "staff_rules": {"-": ("GET", [], None, CITY_STAFF_ONLY)},
    # The four-eyes threshold for adjustments holds city-wide too.
    "staff_adjustment_rules": {
        "-": ("GET", [], None, CITY_STAFF_ONLY),
        "saved": (
            "FORM",
            [],
            {"second_approval_above": "50"},
            city_staff_only(Redirect("/staff/rules/adjustments/")),
        ),
        "negative": ("FORM", [], {"second_approval_above": "-1"}, city_staff_only(Unchanged(200))),
    },
    "staff_rule_new": {
        # Service types are not in a region: "A" and "B" are two types, both the city bureau's alone.
        A: ("GET", ["{hotline}"], None, CITY_STAFF_ONLY),
        B: ("GET", ["{duty_lawyer}"], None, CITY_STAFF_ONLY),
        "saved": ("FORM", ["{hotline}"], RULE_FORM, city_staff_only(Redirect("/staff/rules/rescore/"))),
        # A version from that date exists already (the initial rules are in force from 2020-01-01).
        "same date": (
            "FORM",
            ["{hotline}"],
            {**RULE_FORM, "effective_from": "2020-01-01"},
            city_staff_only(Unchanged(200)),
        ),
        "unknown type": ("GET", ["999999999"], None, city_staff_only(404)),
    },
    "staff_conduct_new": {
        "-": ("GET", [], None, CITY_STAFF_ONLY),
        "saved": ("FORM", [], CONDUCT_FORM, city_staff_only(Redirect("/staff/rules/"))),
        # A penalty with positive points is refused.
        "wrong sign": ("FORM", [], {**CONDUCT_FORM, "fixed_points": "60"}, city_staff_only(Unchanged(200))),
    },
    "staff_rescore": {
        "-": ("GET", [], None, CITY_STAFF_ONLY),
        "preview": ("GET", ["?service_type={hotline}&from_date={rule_date}"], None, CITY_STAFF_ONLY),
        # Accepted, but the POST only queues the job (tasks.points.rescore_apply_task) once the request
        # commits: the request itself changes no row.
        "queued": (
            "FORM",
            [],
            {"service_type": "{hotline}", "from_date": "{rule_date}"},
            city_staff_only(Unchanged(Redirect("/staff/rules/rescore/"))),
        ),
    },
}
MATRIX.update(POINTBOOK_MATRIX)

# Held rating bonuses (`_rating_extras`: "{held_rating_a}" / "{held_rating_b}" a good rating of each lawyer's
# service in district A / B, its bonus held): staff of the region confirm or decline them.
RATINGS = Redirect("/staff/ratings/")
RATING_MATRIX = {
    "staff_ratings": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_rating_decide": {
        # A confirmed, B declined.
        A: (
            "POST",
            ["{held_rating_a}"],
            {"decision": "confirm"},
            (LOGIN, NO_ROLE, NO_ROLE, NO_ROLE, RATINGS, 404, RATINGS),
        ),
        B: (
            "POST",
            ["{held_rating_b}"],
            {"decision": "decline"},
            (LOGIN, NO_ROLE, NO_ROLE, NO_ROLE, 404, RATINGS, RATINGS),
        ),
        "neither": (
            "POST",
            ["{held_rating_a}"],
            {"decision": "maybe"},
            (LOGIN, NO_ROLE, NO_ROLE, NO_ROLE, 404, 404, 404),
        ),
    },
}
MATRIX.update(RATING_MATRIX)

# --- Recognition: standings, commendations, certificates, firm records, targets, reports ---
# Ids from `_recognition_extras`: "{category_a}" / "{category_b}" a draft award of district A / B with the
# lawyer / other lawyer drafted; "{notice_a}" / "{notice_b}" awards on public notice ("{notice_nomination_a}",
# an objection "{objection_a}"); "{approved_a}" / "{approved_b}" approved, with the lawyer's certificate
# "{certificate_a}" (code "{certificate_a_code}") and the other lawyer's "{certificate_b}"; "{loose_certificate}"
# a revoked one outside any award; "{report_a}" / "{report_b}" last year's report of A / B, built (a PDF and a
# spreadsheet stored); "{this_year}", "{last_year}", "{next_year}". A Redirect to a path ending in "*" is to
# something the POST made: any id there.

COMMENDATION_A = Redirect("/staff/commendations/{category_a}/")
COMMENDATION_B = Redirect("/staff/commendations/{category_b}/")
NEW_COMMENDATION = Redirect("/staff/commendations/*")
NOTICE_A = Redirect("/notices/{notice_a}/")
# Someone's own certificate: a contributor asking for another's, or anyone without a profile, finds nothing.
LAWYERS_CERTIFICATE = (LOGIN, 200, 404, 404, 404, 404, 404)
OTHER_LAWYERS_CERTIFICATE = (LOGIN, 404, 200, 404, 404, 404, 404)
# The refresh only queues the job (tasks.recognition.refresh_standings) once the request commits.
REFRESH_QUEUED = Unchanged(Redirect("/standings/"))
AWARD_FORM = {
    "year": "{this_year}",
    "name_zh": "优秀公益法律服务者",
    "name_en": "Outstanding pro-bono lawyer",
    "basis": "top_district",
    "top_n": "3",
    "no_upheld_complaint": "on",
    "profile_verified": "on",
    "notice_working_days": "5",
}
OBJECTION_FORM = {"nomination": "{notice_nomination_a}", "body": "该律师今年曾被当事人投诉", "name": "", "contact": ""}
TARGETS = Redirect("/staff/targets/")
TARGET_FORM = {
    "education_events": "700",
    "service_cases": "8000",
    "consultations": "80000",
    "villages_adviser": "70",
    "q1_share": "10",
    "q2_share": "60",
    "q3_share": "100",
    "q4_share": "100",
}
NEW_REPORT = Redirect("/staff/reports/*")
REPORT_FORM = {"kind": "annual", "year": "{this_year}", "month": ""}

RECOGNITION_MATRIX = {
    # --- the public ---
    # The QR code's link: the random code is the only key; a revoked certificate is shown as revoked.
    "certificate_verify": {
        A: ("GET", ["{certificate_a_code}"], None, PUBLIC),
        B: ("GET", ["{certificate_b_code}"], None, PUBLIC),
        "revoked": ("GET", ["{loose_certificate_code}"], None, PUBLIC),
        "unknown": ("GET", ["not-a-certificate-code"], None, (404,) * 7),
        "certificate number": ("GET", ["ZS{this_year}-000001"], None, (404,) * 7),
    },
    "notices": {"-": ("GET", [], None, PUBLIC)},
    "notice": {
        A: ("GET", ["{notice_a}"], None, PUBLIC),
        B: ("GET", ["{notice_b}"], None, PUBLIC),
        "approved": ("GET", ["{approved_a}"], None, PUBLIC),
        # A draft is not public: nobody, staff included, finds it here.
        "draft": ("GET", ["{category_a}"], None, (404,) * 7),
        # Anyone may object while the notice is up, no account needed.
        "objection": ("FORM", ["{notice_a}"], OBJECTION_FORM, (NOTICE_A,) * 7),
        "objection to the list": ("FORM", ["{notice_a}"], {**OBJECTION_FORM, "nomination": ""}, (NOTICE_A,) * 7),
        # A nominee of another award is not on this list.
        "forged nominee": (
            "FORM",
            ["{notice_a}"],
            {**OBJECTION_FORM, "nomination": "{notice_nomination_b}"},
            (Unchanged(200),) * 7,
        ),
        "after approval": (
            "FORM",
            ["{approved_a}"],
            {**OBJECTION_FORM, "nomination": "{approved_nomination_a}"},
            (Unchanged(200),) * 7,
        ),
        "to a draft": ("FORM", ["{category_a}"], {**OBJECTION_FORM, "nomination": "{nomination_a}"}, (404,) * 7),
    },
    # --- signed in ---
    "leaderboards": {
        "-": ("GET", [], None, LOGGED_IN),
        "district A": ("GET", ["?board=district|{district_a}"], None, LOGGED_IN),
        "firms": ("GET", ["?board=organisation|&year={this_year}"], None, LOGGED_IN),
    },
    "my_certificate_pdf": {
        A: ("GET", ["{certificate_a}"], None, LAWYERS_CERTIFICATE),
        B: ("GET", ["{certificate_b}"], None, OTHER_LAWYERS_CERTIFICATE),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 404, 404, 404, 404, 404, 404)),
    },
    # --- firm admins: their organisation's public-service record ---
    "firm_record": {
        A: ("GET", ["{firm_a}"], None, (LOGIN, 403, 403, 200, 403, 403, 403)),
        B: ("GET", ["{firm_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    "firm_record_xlsx": {
        A: ("GET", ["{firm_a}"], None, (LOGIN, 403, 403, 200, 403, 403, 403)),
        B: ("GET", ["{firm_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    # The statement of this year's figures was issued (`_recognition_extras`); last year's no longer
    # certifies firm A's figures: a page saying so (404). A download never issues one: the POST does.
    "firm_record_pdf": {
        A: ("GET", ["{firm_a}", "?year={this_year}"], None, (LOGIN, 403, 403, 200, 403, 403, 403)),
        "A, outdated": ("GET", ["{firm_a}", "?year={last_year}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
        B: ("GET", ["{firm_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    "firm_statement_issue": {
        A: ("POST", ["{firm_a}", "?year={last_year}"], {}, (LOGIN, 403, 403, FIRM_A_RECORD, 403, 403, 403)),
        B: ("POST", ["{firm_b}", "?year={last_year}"], {}, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    # --- bureau staff ---
    "standings_refresh": {
        "-": ("POST", [], {}, (LOGIN, 403, 403, 403, REFRESH_QUEUED, REFRESH_QUEUED, REFRESH_QUEUED)),
    },
    "staff_commendations": {
        "-": ("GET", [], None, STAFF_ONLY),
        # An award is created in a region of the staff member's own subtree only.
        "created in A": (
            "FORM",
            [],
            {**AWARD_FORM, "region": "{district_a}"},
            (LOGIN, 403, 403, 403, NEW_COMMENDATION, Unchanged(200), NEW_COMMENDATION),
        ),
        "created in B": (
            "FORM",
            [],
            {**AWARD_FORM, "region": "{district_b}"},
            (LOGIN, 403, 403, 403, Unchanged(200), NEW_COMMENDATION, NEW_COMMENDATION),
        ),
        "same name in A": (
            "FORM",
            [],
            {**AWARD_FORM, "region": "{district_a}", "name_zh": "{category_a_name}"},
            (LOGIN, 403, 403, 403, Unchanged(200), Unchanged(200), Unchanged(200)),
        ),
    },
    "staff_commendation": {
        A: ("GET", ["{category_a}"], None, STAFF_IN_A),
        B: ("GET", ["{category_b}"], None, STAFF_IN_B),
        "notice A": ("GET", ["{notice_a}"], None, STAFF_IN_A),
        "approved B": ("GET", ["{approved_b}"], None, STAFF_IN_B),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_commendation_act": {
        A: ("POST", ["{category_a}", "draft"], {}, (LOGIN, 403, 403, 403, COMMENDATION_A, 404, COMMENDATION_A)),
        B: ("POST", ["{category_b}", "draft"], {}, (LOGIN, 403, 403, 403, 404, COMMENDATION_B, COMMENDATION_B)),
        # Applicant A has no hours on the standings: refused with the rules failed (the page again, 200)
        # unless a reason to set them aside is given.
        "A added against the rules": (
            "POST",
            ["{category_a}", "add"],
            {"who": "{applicant_a_licence}", "reason": "社区推荐"},
            (LOGIN, 403, 403, 403, Unchanged(200), 404, Unchanged(200)),
        ),
        "A added, rules set aside": (
            "POST",
            ["{category_a}", "add"],
            {"who": "{applicant_a_licence}", "reason": "社区推荐", "override_reason": "抗洪期间连续值守"},
            (LOGIN, 403, 403, 403, COMMENDATION_A, 404, COMMENDATION_A),
        ),
        # Only people of the award's region are nominated: told so.
        "B's person added to A": (
            "POST",
            ["{category_a}", "add"],
            {"who": "{applicant_b_licence}", "reason": "推荐"},
            (LOGIN, 403, 403, 403, Unchanged(200), 404, Unchanged(200)),
        ),
        "A removed": (
            "POST",
            ["{category_a}", "remove"],
            {"nomination": "{nomination_a}", "reason": "本年度有投诉"},
            (LOGIN, 403, 403, 403, COMMENDATION_A, 404, COMMENDATION_A),
        ),
        "A removed without a reason": (
            "POST",
            ["{category_a}", "remove"],
            {"nomination": "{nomination_a}"},
            (LOGIN, 403, 403, 403, Unchanged(COMMENDATION_A), 404, Unchanged(COMMENDATION_A)),
        ),
        # Award A in the path, a nominee of award B in the form: not on this list.
        "forged": (
            "POST",
            ["{category_a}", "remove"],
            {"nomination": "{nomination_b}", "reason": "本年度有投诉"},
            (LOGIN, 403, 403, 403, 404, 404, 404),
        ),
        "A on notice": (
            "POST",
            ["{category_a}", "notice"],
            {},
            (LOGIN, 403, 403, 403, COMMENDATION_A, 404, COMMENDATION_A),
        ),
        "objection A resolved": (
            "POST",
            ["{notice_a}", "resolve"],
            {"objection": "{objection_a}", "decision": "dismiss", "resolution": "经核实，投诉不属实"},
            (
                LOGIN,
                403,
                403,
                403,
                Redirect("/staff/commendations/{notice_a}/"),
                404,
                Redirect("/staff/commendations/{notice_a}/"),
            ),
        ),
        # The notice is still up: approval must wait.
        "approved too early": (
            "POST",
            ["{notice_a}", "approve"],
            {},
            (
                LOGIN,
                403,
                403,
                403,
                Unchanged(Redirect("/staff/commendations/{notice_a}/")),
                404,
                Unchanged(Redirect("/staff/commendations/{notice_a}/")),
            ),
        ),
        "unknown action": ("POST", ["{category_a}", "delete"], {}, (LOGIN, 403, 403, 403, 404, 404, 404)),
        "unknown": ("POST", ["999999999", "draft"], {}, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_certificate_revoke": {
        A: (
            "POST",
            ["{certificate_a}"],
            {"reason": "获奖依据的服务记录不实"},
            staff_in_a(Redirect("/staff/commendations/{approved_a}/")),
        ),
        B: (
            "POST",
            ["{certificate_b}"],
            {"reason": "获奖依据的服务记录不实"},
            staff_in_b(Redirect("/staff/commendations/{approved_b}/")),
        ),
        "A without a reason": (
            "POST",
            ["{certificate_a}"],
            {"reason": " "},
            staff_in_a(Unchanged(Redirect("/staff/commendations/{approved_a}/"))),
        ),
        # Outside any award (no region to hold it): no staff member's.
        "outside an award": (
            "POST",
            ["{loose_certificate}"],
            {"reason": "重复"},
            (LOGIN, 403, 403, 403, 404, 404, 404),
        ),
        # A firm's statement: staff of the firm's district (or the city).
        "statement of A": (
            "POST",
            ["{statement_a}"],
            {"reason": "统计有误"},
            staff_in_a(Redirect("/staff/statements/")),
        ),
        "statement of B": (
            "POST",
            ["{statement_b}"],
            {"reason": "统计有误"},
            staff_in_b(Redirect("/staff/statements/")),
        ),
    },
    "staff_certificate_pdf": {
        A: ("GET", ["{certificate_a}"], None, STAFF_IN_A),
        B: ("GET", ["{certificate_b}"], None, STAFF_IN_B),
        "outside an award": ("GET", ["{loose_certificate}"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
        "a statement": ("GET", ["{statement_a}"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_statements": {
        "-": ("GET", [], None, STAFF_ONLY),
        "search": ("GET", ["?q={statement_a_number}"], None, STAFF_ONLY),
    },
    "staff_targets": {
        "-": ("GET", [], None, STAFF_ONLY),
        "last year": ("GET", ["?year={last_year}"], None, STAFF_ONLY),
    },
    "staff_target_edit": {
        A: ("GET", ["{district_a}", "{this_year}"], None, STAFF_IN_A),
        B: ("GET", ["{district_b}", "{this_year}"], None, STAFF_IN_B),
        "city": ("GET", ["{city}", "{this_year}"], None, (LOGIN, 403, 403, 403, 404, 404, 200)),
        "A saved": ("FORM", ["{district_a}", "{this_year}"], TARGET_FORM, staff_in_a(TARGETS)),
        "B saved": ("FORM", ["{district_b}", "{this_year}"], TARGET_FORM, staff_in_b(TARGETS)),
        "A not cumulative": (
            "FORM",
            ["{district_a}", "{this_year}"],
            {**TARGET_FORM, "q1_share": "70"},
            staff_in_a(Unchanged(200)),
        ),
    },
    # Reports of a region: asked for, watched and downloaded by staff whose area holds it.
    "staff_reports": {
        "-": ("GET", [], None, STAFF_ONLY),
        "filtered": ("GET", ["?year={last_year}&region={district_a}"], None, STAFF_ONLY),
        "asked for A": (
            "FORM",
            [],
            {**REPORT_FORM, "region": "{district_a}"},
            (LOGIN, 403, 403, 403, NEW_REPORT, Unchanged(200), NEW_REPORT),
        ),
        "asked for B": (
            "FORM",
            [],
            {**REPORT_FORM, "region": "{district_b}"},
            (LOGIN, 403, 403, 403, Unchanged(200), NEW_REPORT, NEW_REPORT),
        ),
        "next year": (
            "FORM",
            [],
            {**REPORT_FORM, "region": "{district_a}", "year": "{next_year}"},
            (LOGIN, 403, 403, 403, Unchanged(200), Unchanged(200), Unchanged(200)),
        ),
    },
    "staff_report": {
        A: ("GET", ["{report_a}"], None, STAFF_IN_A),
        B: ("GET", ["{report_b}"], None, STAFF_IN_B),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_report_file": {
        A: ("GET", ["{report_a}", "pdf"], None, STAFF_IN_A),
        B: ("GET", ["{report_b}", "xlsx"], None, STAFF_IN_B),
        "A spreadsheet": ("GET", ["{report_a}", "xlsx"], None, STAFF_IN_A),
        "unknown format": ("GET", ["{report_a}", "csv"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
}
MATRIX.update(RECOGNITION_MATRIX)

# Imports: staff only; an import is seen by staff whose area holds the region it was made for.
IMPORT_MATRIX = {
    "staff_imports": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_import_confirm": {
        "forged token": (
            "POST",
            [],
            {"token": "../../secret.csv", "kind": "contributors", "name": "x.csv"},
            (LOGIN, 403, 403, 403, Unchanged(200), Unchanged(200), Unchanged(200)),
        ),
        "unknown kind": (
            "POST",
            [],
            {"token": "x" * 32 + ".csv", "kind": "nothing", "name": "x.csv"},
            (LOGIN, 403, 403, 403, 404, 404, 404),
        ),
    },
    "staff_import": {
        A: ("GET", ["{import_a}"], None, STAFF_IN_A),
        B: ("GET", ["{import_b}"], None, STAFF_IN_B),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_import_template": {
        "-": ("GET", ["contributors", "zh-hans", "xlsx"], None, STAFF_ONLY),
        "English CSV": ("GET", ["history", "en", "csv"], None, STAFF_ONLY),
        "unknown kind": ("GET", ["nothing", "en", "csv"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
        "unknown language": ("GET", ["regions", "fr", "csv"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
}
MATRIX.update(IMPORT_MATRIX)

# Exports: staff only; an export is seen and downloaded by staff whose area holds its region.
EXPORT_MATRIX = {
    "staff_exports": {
        "-": ("GET", [], None, STAFF_ONLY),
        "page 2": ("GET", ["?page=2"], None, STAFF_ONLY),
    },
    "staff_export": {
        A: ("GET", ["{export_a}"], None, STAFF_IN_A),
        B: ("GET", ["{export_b}"], None, STAFF_IN_B),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_export_file": {
        A: ("GET", ["{export_a}"], None, STAFF_IN_A),
        B: ("GET", ["{export_b}"], None, STAFF_IN_B),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
}
MATRIX.update(EXPORT_MATRIX)

# The one progress endpoint of every job: staff whose area holds the job's region; a job without a
# region (re-scoring, a standings refresh) only to the staff member who asked for it.
JOB_MATRIX = {
    "staff_job": {
        A: ("GET", ["{import_a}"], None, STAFF_IN_A),
        B: ("GET", ["{import_b}"], None, STAFF_IN_B),
        "export of A": ("GET", ["{export_a}"], None, STAFF_IN_A),
        "asked by staff A": ("GET", ["{plain_job_a}"], None, (LOGIN, 403, 403, 403, 200, 404, 404)),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
}
MATRIX.update(JOB_MATRIX)

# Hours certificates (`_hours_extras`): the city signs requests off by hand, with a seal; each lawyer has an
# ID on file, hours last year, an issued certificate of last year ("{hours_issued_a}", its Certificate
# "{hours_certificate_a}" with code "{hours_code_a}") and a request for its first half waiting
# ("{hours_pending_a}"); likewise "_b" for the other lawyer in district B.
MY_HOURS = Redirect("/my/hours-certificates/")
STAFF_HOURS = Redirect("/staff/hours-certificates/")
HOURS_SETTINGS = Redirect("/staff/hours-certificates/settings/")
HOURS_SETTINGS_FORM = {
    "bureau_name": "新华区司法局",
    "person_in_charge": "陈志强",
    "handling_officer": "",
    "contact": "0375-2612348",
}
HOURS_MATRIX = {
    "my_hours_certificates": {
        "-": ("GET", [], None, (LOGIN, 200, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)),
        "asked": (
            "FORM",
            [],
            {"year": "{last_year}"},
            (LOGIN, MY_HOURS, MY_HOURS, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR, NOT_A_CONTRIBUTOR),
        ),
        "already waiting": (
            "FORM",
            [],
            {"year": "range", "starts_on": "{hours_pending_from}", "ends_on": "{hours_pending_to}"},
            (
                LOGIN,
                Unchanged(200),
                Unchanged(200),
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
                NOT_A_CONTRIBUTOR,
            ),
        ),
    },
    "my_hours_certificate_pdf": {
        A: ("GET", ["{hours_issued_a}"], None, LAWYERS_CERTIFICATE),
        B: ("GET", ["{hours_issued_b}"], None, OTHER_LAWYERS_CERTIFICATE),
        "waiting": ("GET", ["{hours_pending_a}"], None, (LOGIN, 404, 404, 404, 404, 404, 404)),
    },
    "staff_hours_certificates": {
        "-": ("GET", [], None, STAFF_ONLY),
        "search": ("GET", ["?q={hours_number_a}"], None, STAFF_ONLY),
    },
    "staff_hours_certificate_settings": {
        "-": ("GET", [], None, STAFF_ONLY),
        # Each member of staff saves their own region's (the city's for city staff).
        "saved": (
            "FORM",
            [],
            HOURS_SETTINGS_FORM,
            (LOGIN, 403, 403, 403, HOURS_SETTINGS, HOURS_SETTINGS, HOURS_SETTINGS),
        ),
        "no bureau": (
            "FORM",
            [],
            {**HOURS_SETTINGS_FORM, "bureau_name": " "},
            (LOGIN, 403, 403, 403, Unchanged(200), Unchanged(200), Unchanged(200)),
        ),
    },
    # The city's seal: districts without their own use it.
    "staff_hours_certificate_seal": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_hours_certificate_pdf": {
        A: ("GET", ["{hours_issued_a}"], None, STAFF_IN_A),
        B: ("GET", ["{hours_issued_b}"], None, STAFF_IN_B),
        "waiting": ("GET", ["{hours_pending_a}"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "staff_hours_certificate_act": {
        A: ("POST", ["{hours_pending_a}", "issue"], {}, staff_in_a(STAFF_HOURS)),
        B: ("POST", ["{hours_pending_b}", "issue"], {}, staff_in_b(STAFF_HOURS)),
        "A declined": ("POST", ["{hours_pending_a}", "decline"], {"reason": "记录复核中"}, staff_in_a(STAFF_HOURS)),
        "A declined without a reason": (
            "POST",
            ["{hours_pending_a}", "decline"],
            {"reason": " "},
            staff_in_a(Unchanged(STAFF_HOURS)),
        ),
        "A already issued": ("POST", ["{hours_issued_a}", "issue"], {}, staff_in_a(Unchanged(STAFF_HOURS))),
        "unknown action": ("POST", ["{hours_pending_a}", "approve"], {}, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
}
MATRIX.update(HOURS_MATRIX)
# Hours certificates through the certificates' own pages: verified by anyone, revoked by the area's staff.
MATRIX["certificate_verify"]["hours of A"] = ("GET", ["{hours_code_a}"], None, PUBLIC)
MATRIX["staff_certificate_revoke"]["hours of A"] = (
    "POST",
    ["{hours_certificate_a}"],
    {"reason": "服务记录经复核不实"},
    staff_in_a(STAFF_HOURS),
)
MATRIX["staff_certificate_revoke"]["hours of B"] = (
    "POST",
    ["{hours_certificate_b}"],
    {"reason": "服务记录经复核不实"},
    staff_in_b(STAFF_HOURS),
)
HOURS_ROWS = set(HOURS_MATRIX) | {"certificate_verify", "staff_certificate_revoke"}
# The annual assessment report: staff build it for a region of their subtree and see their area's
# builds; a firm admin builds their organisation's and sees only its builds (`_assessment_extras`).
FIRM_A_ONLY = (LOGIN, 403, 403, 200, 403, 403, 403)
FIRM_B_ONLY = (LOGIN, 403, 403, 404, 403, 403, 403)
ASSESSMENT_FORM = {"year": "{assessment_year}", "format": "csv"}
NEW_STAFF_ASSESSMENT = Redirect("/staff/assessment/*")
ASSESSMENT_MATRIX = {
    "staff_assessment": {
        "-": ("GET", [], None, STAFF_ONLY),
        "built for A": (
            "FORM",
            [],
            {**ASSESSMENT_FORM, "region": "{district_a}"},
            (LOGIN, 403, 403, 403, NEW_STAFF_ASSESSMENT, Unchanged(200), NEW_STAFF_ASSESSMENT),
        ),
    },
    "staff_assessment_job": {
        A: ("GET", ["{assessment_a}"], None, STAFF_IN_A),
        B: ("GET", ["{assessment_b}"], None, STAFF_IN_B),
        "unknown": ("GET", ["999999999"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
    "firm_assessment": {
        A: ("GET", ["{firm_a}"], None, FIRM_A_ONLY),
        B: ("GET", ["{firm_b}"], None, FIRM_B_ONLY),
        "built for A": (
            "FORM",
            ["{firm_a}"],
            ASSESSMENT_FORM,
            (LOGIN, 403, 403, Redirect("/org/{firm_a}/assessment/*"), 403, 403, 403),
        ),
        "built for B": ("FORM", ["{firm_b}"], ASSESSMENT_FORM, FIRM_B_ONLY),
    },
    **{
        name: {
            A: ("GET", ["{firm_a}", "{firm_assessment_a}"], None, FIRM_A_ONLY),
            B: ("GET", ["{firm_b}", "{firm_assessment_b}"], None, FIRM_B_ONLY),
            "B's under A": ("GET", ["{firm_a}", "{firm_assessment_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
            "staff build": ("GET", ["{firm_a}", "{assessment_a}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
        }
        for name in ("firm_assessment_job", "firm_assessment_progress", "firm_assessment_file")
    },
}
MATRIX.update(ASSESSMENT_MATRIX)


# --- Shift hand-overs and the firm's consent (extras from `_handover_extras`) ---
HANDOVER_FORM = {"audience": "colleague", "colleague_email": "colleague.a@example.cn"}
CONSENTS_A = Redirect("/org/{firm_a}/consents/")
HANDOVER_MATRIX = {
    # Only the holder hands their own place over.
    "handover_new": {
        A: ("GET", ["{signup_a}"], None, (LOGIN, 200, 404, 404, 404, 404, 404)),
        B: ("GET", ["{signup_b}"], None, (LOGIN, 404, 200, 404, 404, 404, 404)),
        "offered": ("FORM", ["{signup_a}"], HANDOVER_FORM, (LOGIN, MY_SHIFTS, 404, 404, 404, 404, 404)),
    },
    "handover_withdraw": {
        A: ("POST", ["{handover_by_lawyer}"], {}, (LOGIN, MY_SHIFTS, 404, 404, 404, 404, 404)),
        B: ("POST", ["{handover_to_lawyer}"], {}, (LOGIN, 404, MY_SHIFTS, 404, 404, 404, 404)),
    },
    # A: offered to the lawyer by name; B: offered to firm B. Never the giver, another firm, a stranger.
    "handover_detail": {
        A: ("GET", ["{handover_to_lawyer}"], None, (LOGIN, 200, 404, 404, 404, 404, 404)),
        B: ("GET", ["{handover_firm_b}"], None, (LOGIN, 404, 200, 404, 404, 404, 404)),
        "own firm's, given by the lawyer": (
            "GET",
            ["{handover_by_lawyer}"],
            None,
            (LOGIN, 404, 404, 404, 404, 404, 404),
        ),
    },
    "handover_accept": {
        A: ("POST", ["{handover_to_lawyer}"], {}, (LOGIN, MY_SHIFTS, 404, 404, 404, 404, 404)),
        B: ("POST", ["{handover_firm_b}"], {}, (LOGIN, 404, MY_SHIFTS, 404, 404, 404, 404)),
    },
    "org_consents": {
        A: ("GET", ["{firm_a}"], None, (LOGIN, 403, 403, 200, 403, 403, 403)),
        B: ("GET", ["{firm_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    "org_consent_decide": {
        A: ("POST", ["{firm_a}", "{consent_a}", "approve"], {}, (LOGIN, 403, 403, CONSENTS_A, 403, 403, 403)),
        B: ("POST", ["{firm_b}", "{consent_b}", "approve"], {}, (LOGIN, 403, 403, 404, 403, 403, 403)),
        "decline": ("POST", ["{firm_a}", "{consent_a}", "decline"], {}, (LOGIN, 403, 403, CONSENTS_A, 403, 403, 403)),
        "other firm's member": (
            "POST",
            ["{firm_a}", "{consent_b}", "approve"],
            {},
            (LOGIN, 403, 403, 404, 403, 403, 403),
        ),
    },
}
MATRIX.update(HANDOVER_MATRIX)


def _handover_extras(world):
    """For the hand-over rows: a colleague of the lawyer in firm A, an offer by the other lawyer
    naming the lawyer, an offer to firm B by a member of firm B, the lawyer's offer to firm A, and a
    sign-up of each lawyer waiting for their firm's consent."""
    import datetime

    from django.utils import timezone

    from tests.factories import ContributorFactory, MembershipFactory, ShiftFactory, UserFactory
    from volunteers.rota import services as rota_services

    now = timezone.now().replace(microsecond=0)
    day = datetime.timedelta(days=1)
    colleague = ContributorFactory(user=UserFactory(email="colleague.a@example.cn"), region=world.district_a)
    MembershipFactory(contributor=colleague, organisation=world.firm_a)
    member_b = ContributorFactory(region=world.district_b)
    MembershipFactory(contributor=member_b, organisation=world.firm_b)
    x = {}
    for key, giver, audience, colleague_, days, venue in (
        (
            "handover_to_lawyer",
            world.other_lawyer_contributor,
            "colleague",
            world.lawyer_contributor,
            15,
            world.venue_b,
        ),
        ("handover_firm_b", member_b, "firm", None, 17, world.venue_b),
        ("handover_by_lawyer", world.lawyer_contributor, "firm", None, 21, world.venue_a),
    ):
        shift = ShiftFactory(venue=venue, starts_at=now + days * day)
        held = rota_services.signup_create(contributor=giver, shift=shift)
        x[key] = rota_services.handover_offer(contributor=giver, signup=held, audience=audience, colleague=colleague_)
    for side, person, venue in (
        ("a", world.lawyer_contributor, world.venue_a),
        ("b", world.other_lawyer_contributor, world.venue_b),
    ):
        shift = ShiftFactory(venue=venue, starts_at=now + 19 * day, firm_consent=True)
        x[f"consent_{side}"] = rota_services.signup_create(contributor=person, shift=shift)
    return {key: value.pk for key, value in x.items()}


# Service requests: the public form, follow page and rating link are open to all (throttled); a
# contributor sees the requests assigned to them; staff those of people in their area.
MY_REQUEST_A = Redirect("/my/requests/{dispatched_a}/")
REQUEST_MATRIX = {
    "request_new": {"-": ("GET", [], None, PUBLIC)},
    "request_follow": {"-": ("GET", [], None, PUBLIC)},
    "request_status": {
        A: ("GET", ["{dispatched_a_follow}"], None, PUBLIC),
        "unknown": ("GET", ["not-a-token"], None, (404,) * 7),
    },
    "request_rate": {
        A: ("GET", ["{closed_a_rating}"], None, PUBLIC),
        "not finished": ("GET", ["{dispatched_a_rating}"], None, (404,) * 7),
    },
    "my_requests": {"-": ("GET", [], None, (LOGIN, 200, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM))},
    "my_request": {
        A: ("GET", ["{dispatched_a}"], None, (LOGIN, 200, 404, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)),
        B: ("GET", ["{dispatched_b}"], None, (LOGIN, 404, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)),
    },
    "my_request_act": {
        A: ("POST", ["{dispatched_a}", "accept"], {}, (LOGIN, MY_REQUEST_A, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        B: (
            "POST",
            ["{dispatched_b}", "accept"],
            {},
            (LOGIN, 404, Redirect("/my/requests/{dispatched_b}/"), NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
        # Declining needs a reason: told so, nothing changes.
        "no reason": (
            "POST",
            ["{dispatched_a}", "decline"],
            {"reason": " "},
            (LOGIN, Unchanged(MY_REQUEST_A), 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE),
        ),
        "unknown action": ("POST", ["{dispatched_a}", "approve"], {}, (LOGIN, 404, 404, 404, 404, 404, 404)),
    },
    "staff_requests": {
        "-": ("GET", [], None, STAFF_ONLY),
        "overdue": ("GET", ["?overdue=1&state=all"], None, STAFF_ONLY),
    },
    "staff_request_new": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_request_rules": {"-": ("GET", [], None, (LOGIN, 403, 403, 403, 403, 403, 200))},
    "staff_request_terms": {
        "-": ("GET", ["hotline_12348"], None, (LOGIN, 403, 403, 403, 403, 403, 200)),
        "saved": (
            "FORM",
            ["hotline_12348"],
            {"accept_hours": "6", "finish_days": "7"},
            (LOGIN, 403, 403, 403, 403, 403, Redirect("/staff/requests/rules/")),
        ),
        "no such type": ("GET", ["no-such-type"], None, (LOGIN, 403, 403, 403, 403, 403, 404)),
    },
    "staff_request": {
        A: ("GET", ["{queued_a}"], None, STAFF_IN_A),
        B: ("GET", ["{queued_b}"], None, STAFF_IN_B),
    },
    "staff_request_act": {
        A: (
            "POST",
            ["{queued_a}", "publish"],
            {},
            (
                LOGIN,
                403,
                403,
                403,
                Redirect("/staff/requests/{queued_a}/"),
                404,
                Redirect("/staff/requests/{queued_a}/"),
            ),
        ),
        B: (
            "POST",
            ["{queued_b}", "publish"],
            {},
            (
                LOGIN,
                403,
                403,
                403,
                404,
                Redirect("/staff/requests/{queued_b}/"),
                Redirect("/staff/requests/{queued_b}/"),
            ),
        ),
        # Staff cannot dispatch to someone who is not a contributor, nor review an open request.
        "refused": (
            "POST",
            ["{queued_a}", "review"],
            {"score": "5"},
            (
                LOGIN,
                403,
                403,
                403,
                Unchanged(Redirect("/staff/requests/{queued_a}/")),
                404,
                Unchanged(Redirect("/staff/requests/{queued_a}/")),
            ),
        ),
    },
}
MATRIX.update(REQUEST_MATRIX)


def _request_extras(world):
    """A request waiting in each district's queue, one dispatched to each lawyer, one finished in A."""
    from tests.volunteers.service_requests_support import close, register
    from volunteers.service_requests import services as svc

    ids = {}
    RequestPolicy.current()
    for side, village, person in (
        ("a", world.village_a, world.lawyer_contributor),
        ("b", world.village_b, world.other_lawyer_contributor),
    ):
        ids[f"queued_{side}"] = register(world, region=village).pk
        sent = register(world, region=village)
        svc.request_dispatch(actor=world.city_staff, scope=world.city, request=sent, contributor=person)
        ids[f"dispatched_{side}"] = sent.pk
        ids[f"dispatched_{side}_follow"] = sent.follow_token
        ids[f"dispatched_{side}_rating"] = sent.rating_token
    done = register(world)
    svc.request_dispatch(actor=world.city_staff, scope=world.city, request=done, contributor=world.lawyer_contributor)
    svc.request_accept(contributor=world.lawyer_contributor, request=done)
    ids["closed_a_rating"] = close(world.lawyer_contributor, done).rating_token
    return ids


# The one account page: anyone signed in sees their own account.
ACCOUNT_MATRIX = {
    "account_overview": {"-": ("GET", [], None, LOGGED_IN)},
}
MATRIX.update(ACCOUNT_MATRIX)
# Review before publishing opportunities: the city's switch (cms.views.staff_opportunity_review).
PUBLISHING_MATRIX = {
    "staff_opportunity_review": {
        "on": ("POST", [], {"review": "on"}, (LOGIN, 403, 403, 403, 403, 403, Redirect("/staff/opportunities/"))),
        "bad choice": (
            "POST",
            [],
            {"review": "maybe"},
            (LOGIN, 403, 403, 403, 403, 403, Unchanged(Redirect("/staff/opportunities/"))),
        ),
    },
}
MATRIX.update(PUBLISHING_MATRIX)


# What a refused POST must leave untouched (logging in sets User.last_login, so not that).
_WATCHED = {
    model: [f.attname for f in model._meta.concrete_fields]
    for model in (
        Region,
        Venue,
        Organisation,
        Organisation.admins.through,
        Contributor,
        Membership,
        StaffProfile,
        AuditEntry,
        Shift,
        Signup,
        Handover,
        ServiceRecord,
        EvidenceFile,
        RotaPolicy,
        AdjustmentPolicy,
        PointsRule,
        ConductRule,
        LedgerEntry,
        Complaint,
        Appeal,
        AppealMessage,
        PublicRating,
        StandingsSnapshot,
        Standing,
        AwardCategory,
        Nomination,
        Objection,
        Certificate,
        TargetPlan,
        Target,
        RecognitionReport,
        ImportJob,
        HoursCertificate,
        HoursCertificateConfig,
        ExportJob,
        ServiceRequest,
        RequestEvent,
        RequestPolicy,
    )
}
_WATCHED[get_user_model()] = ["id", "email", "password", "is_active", "is_staff", "is_superuser"]


# --- Incentives: rewards, requests, the pick-up counter, the city's spending rules ---
# Ids from `_incentives_extras`: "{reward_a}" / "{reward_b}" a material reward of district A / B (no
# approval needed), "{policy_a}" / "{policy_b}" policy support, "{ready_a}" / "{ready_b}" each lawyer's
# request ready to collect (code "{ready_a_code}"), "{pending_a}" / "{pending_b}" each lawyer's request
# waiting for staff.
MY_REWARDS = Redirect("/my/rewards/")
REWARD_FORM = {
    "kind": "material",
    "title_zh": "法律实务培训名额",
    "title_en": "Training place",
    "region": "{district_a}",
    "cost": "50",
    "stock": "3",
    "venue": "{venue_a}",
    "min_stars": "0",
    "min_year_hours": "0",
    "valid_from": "2026-01-01",
    "is_published": "on",
}
INCENTIVES_MATRIX = {
    "my_rewards": {"-": ("GET", [], None, (LOGIN, 200, 200, *[PROFILE_FORM] * 4))},
    "reward_request": {
        A: (
            "POST",
            ["{reward_a}"],
            {},
            (LOGIN, Redirect("/my/rewards/requests/*"), Unchanged(MY_REWARDS), *[NOT_A_CONTRIBUTOR] * 4),
        ),
        B: (
            "POST",
            ["{reward_b}"],
            {},
            (LOGIN, Unchanged(MY_REWARDS), Redirect("/my/rewards/requests/*"), *[NOT_A_CONTRIBUTOR] * 4),
        ),
    },
    "my_redemption": {
        A: ("GET", ["{ready_a}"], None, (LOGIN, 200, 404, *[PROFILE_FORM] * 4)),
        B: ("GET", ["{ready_b}"], None, (LOGIN, 404, 200, *[PROFILE_FORM] * 4)),
    },
    "my_redemption_cancel": {
        A: (
            "POST",
            ["{ready_a}"],
            {},
            (LOGIN, Redirect("/my/rewards/requests/{ready_a}/"), 404, *[NOT_A_CONTRIBUTOR] * 4),
        ),
        B: (
            "POST",
            ["{ready_b}"],
            {},
            (LOGIN, 404, Redirect("/my/rewards/requests/{ready_b}/"), *[NOT_A_CONTRIBUTOR] * 4),
        ),
    },
    "staff_rewards": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_reward_new": {
        "-": ("GET", [], None, STAFF_ONLY),
        # A region outside staff B's area is not among their choices: the form comes back.
        "saved": (
            "FORM",
            [],
            REWARD_FORM,
            (LOGIN, 403, 403, 403, Redirect("/staff/rewards/"), Unchanged(200), Redirect("/staff/rewards/")),
        ),
        "no venue": ("FORM", [], {**REWARD_FORM, "venue": ""}, (LOGIN, 403, 403, 403, *[Unchanged(200)] * 3)),
    },
    "staff_reward_edit": {
        A: ("GET", ["{reward_a}"], None, STAFF_IN_A),
        B: ("GET", ["{reward_b}"], None, STAFF_IN_B),
    },
    "staff_reward_qualify": {
        A: (
            "POST",
            ["{policy_a}"],
            {},
            (
                LOGIN,
                *[NO_ROLE] * 3,
                Redirect("/staff/rewards/{policy_a}/"),
                404,
                Redirect("/staff/rewards/{policy_a}/"),
            ),
        ),
        B: (
            "POST",
            ["{policy_b}"],
            {},
            (
                LOGIN,
                *[NO_ROLE] * 3,
                404,
                Redirect("/staff/rewards/{policy_b}/"),
                Redirect("/staff/rewards/{policy_b}/"),
            ),
        ),
    },
    "staff_redemptions": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_redemption_decide": {
        A: (
            "POST",
            ["{pending_a}", "approve"],
            {},
            (LOGIN, *[NO_ROLE] * 3, Redirect("/staff/rewards/requests/"), 404, Redirect("/staff/rewards/requests/")),
        ),
        B: (
            "POST",
            ["{pending_b}", "reject"],
            {"reason": "名额已满"},
            (LOGIN, *[NO_ROLE] * 3, 404, Redirect("/staff/rewards/requests/"), Redirect("/staff/rewards/requests/")),
        ),
        # Refusing needs a reason: told so, nothing changes.
        "no reason": (
            "POST",
            ["{pending_a}", "reject"],
            {},
            (
                LOGIN,
                *[NO_ROLE] * 3,
                Unchanged(Redirect("/staff/rewards/requests/")),
                404,
                Unchanged(Redirect("/staff/rewards/requests/")),
            ),
        ),
        "unknown action": ("POST", ["{pending_a}", "delete"], {}, (LOGIN, *[NO_ROLE] * 3, 404, 404, 404)),
    },
    "staff_pickup": {
        "-": ("GET", [], None, STAFF_ONLY),
        "looked up": ("GET", ["?code={ready_a_code}"], None, STAFF_ONLY),
        # Staff of B cannot see, let alone hand over, a code of district A.
        "handed over": (
            "FORM",
            [],
            {"code": "{ready_a_code}", "hand_over": "1"},
            (
                LOGIN,
                403,
                403,
                403,
                Redirect("/staff/rewards/pickup/"),
                Unchanged(200),
                Redirect("/staff/rewards/pickup/"),
            ),
        ),
        "wrong code": (
            "FORM",
            [],
            {"code": "WRONG123", "hand_over": "1"},
            (LOGIN, 403, 403, 403, *[Unchanged(200)] * 3),
        ),
    },
    "staff_rewards_rules": {
        "-": ("GET", [], None, CITY_STAFF_ONLY),
        "saved": (
            "FORM",
            [],
            {"expiry": "years", "expiry_years": "3", "bonus_spendable": "on", "pickup_days": "14"},
            city_staff_only(Redirect("/staff/rules/rewards/")),
        ),
        "no pick-up days": (
            "FORM",
            [],
            {"expiry": "never", "expiry_years": "3", "pickup_days": "0"},
            city_staff_only(Unchanged(200)),
        ),
    },
}
MATRIX.update(INCENTIVES_MATRIX)
_WATCHED.update(
    {
        model: [f.attname for f in model._meta.concrete_fields]
        for model in (Reward, Redemption, RewardsWallet, RewardsPolicy, RewardQualification)
    }
)


def _incentives_extras(world):
    from datetime import date

    from pointbook.incentives import services as incentives
    from tests.support.ledger import post

    ids = {}
    for side, region, venue, person in (
        ("a", world.district_a, world.venue_a, world.lawyer_contributor),
        ("b", world.district_b, world.venue_b, world.other_lawyer_contributor),
    ):
        post(person, date.today(), "10", "200")
        common = {"region": region, "valid_from": date(2020, 1, 1), "title_en": "Reward"}
        reward = Reward.objects.create(kind="material", title_zh="培训名额", cost=10, stock=5, venue=venue, **common)
        approval = Reward.objects.create(
            kind="material", title_zh="代金券", cost=10, stock=5, venue=venue, needs_approval=True, **common
        )
        policy = Reward.objects.create(kind="policy", title_zh="优先推荐", cost=0, needs_approval=True, **common)
        ready = incentives.redemption_request(user=person.user, contributor=person, reward_id=reward.pk)
        pending = incentives.redemption_request(user=person.user, contributor=person, reward_id=approval.pk)
        ids.update(
            {
                f"reward_{side}": reward.pk,
                f"policy_{side}": policy.pk,
                f"ready_{side}": ready.pk,
                f"ready_{side}_code": ready.code,
                f"pending_{side}": pending.pk,
            }
        )
    return ids


def _rows():
    for name, variants in MATRIX.items():
        for variant, row in variants.items():
            assert len(row[3]) == len(USER_NAMES), (name, variant)
            yield pytest.param(name, *row, id=f"{name}[{variant}]")


def _rota_extras(world, rota):
    """What the rota fixture lacks for the matrix: shifts with free places, a waiting-list offer for
    each lawyer, the lawyer's calendar token, and dates for the staff forms."""
    import datetime

    from django.utils import timezone

    from tests.factories import ShiftFactory
    from volunteers.rota import services as rota_services

    now = timezone.now().replace(microsecond=0)
    day = datetime.timedelta(days=1)
    x = {}
    for side, venue, opportunity, person in (
        ("a", world.venue_a, rota.opportunity_a, world.lawyer_contributor),
        ("b", world.venue_b, rota.opportunity_b, world.other_lawyer_contributor),
    ):
        x[f"open_shift_{side}"] = ShiftFactory(opportunity=opportunity, venue=venue, starts_at=now + 10 * day)
        offered = ShiftFactory(opportunity=opportunity, venue=venue, capacity=1, starts_at=now + 12 * day)
        x[f"offer_{side}"] = Signup.objects.create(
            shift=offered,
            contributor=person,
            status=Signup.Status.OFFERED,
            seat=1,
            offered_at=now,
            offer_expires_at=now + day,
        )
    ids = {key: value.pk for key, value in x.items()}
    RotaPolicy.current()  # the one row exists before anyone looks, so a refused request cannot create it
    ids["lawyer_calendar_token"] = rota_services.calendar_token_reset(contributor=world.lawyer_contributor)
    start = timezone.localtime(now + 8 * day).replace(hour=9, minute=0, second=0)
    form_time = "%Y-%m-%dT%H:%M"
    ids.update(
        edit_starts=start.strftime(form_time),
        edit_ends=(start + datetime.timedelta(hours=3)).strftime(form_time),
        edit_signup=(start - datetime.timedelta(hours=12)).strftime(form_time),
        edit_cancel=(start - datetime.timedelta(hours=24)).strftime(form_time),
        series_first=(timezone.localdate() + 14 * day).isoformat(),
        series_last=(timezone.localdate() + 20 * day).isoformat(),
    )
    return ids


def _png(side=4):
    """A small, valid PNG: evidence is checked by its content."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _pointbook_extras(world, rota):
    """What the points rows need, made through the services: the lawyer's attendance yesterday in
    district A and the other lawyer's in B, waiting for a decision; an approved record of each
    (its award posted) with an appeal about that award; each lawyer's logged work with an evidence
    file, waiting; the lawyer's open rating link, and another approved record of the lawyer's rated
    one star (flagged, its link used); service type ids and dates for the forms."""
    import datetime
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from pointbook.conduct import appeals
    from pointbook.conduct import services as conduct
    from pointbook.ledger import services as points
    from tests.factories import ShiftFactory
    from volunteers.models import ServiceType
    from volunteers.records import services as records
    from volunteers.rota import services as rota_services

    day = datetime.timedelta(days=1)
    hotline = ServiceType.objects.get(code="hotline_12348")
    x, ids = {}, {}
    for side, staff, district, person in (
        ("a", world.staff_a, world.district_a, world.lawyer_contributor),
        ("b", world.staff_b, world.district_b, world.other_lawyer_contributor),
    ):
        x[f"record_{side}"] = rota_services.attendance_mark(
            actor=staff, scope=district, signup=getattr(rota, f"past_signup_{side}"), attended=True
        )
        opportunity, venue = getattr(rota, f"opportunity_{side}"), getattr(world, f"venue_{side}")
        approved = []
        for days_before in (2, 3) if side == "a" else (2,):
            earlier = ShiftFactory(
                opportunity=opportunity,
                venue=venue,
                starts_at=getattr(rota, f"past_shift_{side}").starts_at - days_before * day,
            )
            signup = Signup.objects.create(shift=earlier, contributor=person, status=Signup.Status.CONFIRMED, seat=1)
            record = rota_services.attendance_mark(actor=staff, scope=district, signup=signup, attended=True)
            points.record_approve(actor=staff, scope=district, record=record)
            approved.append(ServiceRecord.objects.get(pk=record.pk))
        x[f"approved_{side}"] = approved[0]
        award = LedgerEntry.objects.get(
            source=LedgerEntry.Source.SERVICE_RECORD, source_id=approved[0].pk, kind=LedgerEntry.Kind.AWARD
        )
        ids[f"award_{side}"] = award.pk
        x[f"appeal_{side}"] = appeals.appeal_open(
            user=person.user, contributor=person, entry=award, body="夜间值班应按夜间系数计分"
        )
        x[f"logged_{side}"] = records.record_log(
            actor=person.user,
            contributor=person,
            service_type=hotline,
            date=timezone.localdate() - 5 * day,
            start_time=datetime.time(9, 0),
            hours=Decimal("2"),
            people_served=1,
            region=district,
            description="为社区居民提供法律咨询",
            files=[SimpleUploadedFile("签到表.png", _png(), content_type="image/png")],
        )
        x[f"evidence_{side}"] = x[f"logged_{side}"].evidence.get()
        if side == "a":
            x["flagged_a"] = approved[1]
    lawyer = world.lawyer_contributor
    ids["rating_token"] = conduct.rating_link(contributor=lawyer, record=x["approved_a"]).token
    ids["used_rating_token"] = conduct.rating_link(contributor=lawyer, record=x["flagged_a"]).token
    conduct.rating_submit(token=ids["used_rating_token"], score=1)

    assert {r.status for r in ServiceRecord.objects.filter(pk__in=[x[k].pk for k in ("record_a", "record_b")])} == {
        ServiceRecord.Status.VERIFIED_ATTENDANCE
    }
    assert (
        ServiceRecord.objects.filter(
            pk__in=[x[k].pk for k in ("approved_a", "approved_b", "flagged_a")], status=ServiceRecord.Status.APPROVED
        ).count()
        == 3
    )
    assert ServiceRecord.objects.get(pk=x["flagged_a"].pk).flagged
    assert {r.status for r in ServiceRecord.objects.filter(pk__in=[x[k].pk for k in ("logged_a", "logged_b")])} == {
        ServiceRecord.Status.SUBMITTED
    }
    ids.update({key: value.pk for key, value in x.items()})
    ids.update(
        hotline=hotline.pk,
        duty_lawyer=ServiceType.objects.get(code="duty_lawyer").pk,
        log_date=(timezone.localdate() - 5 * day).isoformat(),
        rule_date=(timezone.localdate() + 30 * day).isoformat(),
    )
    return ids


def _rating_extras(world, rota):
    """A good rating of each lawyer's attendance (district A / B) sent from an address the lawyer used
    signed in: its bonus is held for staff."""
    from pointbook.conduct import services as conduct
    from pointbook.conduct import sightings
    from pointbook.ledger import services as points
    from volunteers.rota import services as rota_services

    ids = {}
    for side, staff, district, person in (
        ("a", world.staff_a, world.district_a, world.lawyer_contributor),
        ("b", world.staff_b, world.district_b, world.other_lawyer_contributor),
    ):
        record = rota_services.attendance_mark(
            actor=staff, scope=district, signup=getattr(rota, f"past_signup_{side}"), attended=True
        )
        points.record_approve(actor=staff, scope=district, record=record)
        home = {("address", sightings._digest("address", f"198.51.100.{len(ids) + 1}"))}
        sightings.sighting_note(user=person.user, seen=home)
        link = conduct.rating_link(contributor=person, record=ServiceRecord.objects.get(pk=record.pk))
        rating = conduct.rating_submit(token=link.token, score=5, seen=home)
        assert rating.bonus == PublicRating.Bonus.HELD
        ids[f"held_rating_{side}"] = rating.pk
    return ids


def _award(status, name, *, year, side, staff, district, person, points, hours, **dates):
    """An award category of `district` for `year` with `person` its one nominee."""
    category = AwardCategory.objects.create(
        region=district,
        year=year,
        name_zh=name,
        name_en=f"{name} ({side})",
        status=status,
        basis=AwardCategory.Basis.TOP_PER_DISTRICT,
        top_n=3,
        created_by=staff,
        **dates,
    )
    nomination = Nomination.objects.create(
        category=category, contributor=person, rank=1, points=points, hours=hours, district=district
    )
    return category, nomination


def _recognition_extras(world):
    """What the recognition rows need: a current standings snapshot of this year; in each district a
    draft award with its drafted nominee, an award on public notice (an objection lodged against the
    one in A) and an approved award whose nominee holds a certificate (the lawyer in A, the other
    lawyer in B); a revoked certificate outside any award; a built report of each district."""
    import datetime
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from pointbook.commendations import certificates
    from pointbook.commendations import services as commendations
    from pointbook.firm_record.services import statement_issue

    today = timezone.localdate()
    year = today.year
    ids = {"this_year": year, "last_year": year - 1, "next_year": year + 1}
    sides = (
        ("a", world.staff_a, world.district_a, world.lawyer_contributor, world.firm_a, 1),
        ("b", world.staff_b, world.district_b, world.other_lawyer_contributor, world.firm_b, 2),
    )
    # Each lawyer first in their own district: the overall row carries the district and that rank.
    snapshot = StandingsSnapshot.objects.create(
        year=year,
        is_current=True,
        contributors=2,
        sizes={"overall": {"": 2}, "organisation": {"": 2}, "district": {str(side[2].pk): 1 for side in sides}},
    )
    for side, staff, district, person, firm, rank in sides:
        points, hours = Decimal(100 * (3 - rank)), Decimal(10 * (3 - rank))
        Standing.objects.create(
            snapshot=snapshot,
            scope=Standing.Scope.OVERALL,
            contributor=person,
            rank=rank,
            points=points,
            hours=hours,
            district=district,
            district_rank=1,
        )
        Standing.objects.create(
            snapshot=snapshot,
            scope=Standing.Scope.ORGANISATION,
            organisation=firm,
            rank=rank,
            points=points,
            hours=hours,
            members=1,
            average=points,
        )
        award = partial(
            _award, year=year, side=side, staff=staff, district=district, person=person, points=points, hours=hours
        )
        ids[f"category_{side}"], ids[f"nomination_{side}"] = (
            x.pk for x in award(AwardCategory.Status.DRAFT, "优秀法律援助律师")
        )
        ids[f"category_{side}_name"] = "优秀法律援助律师"
        notice, nomination = award(
            AwardCategory.Status.NOTICE,
            "公益法律服务之星",
            notice_starts_on=today - datetime.timedelta(days=1),
            notice_ends_on=today + datetime.timedelta(days=6),
        )
        ids[f"notice_{side}"], ids[f"notice_nomination_{side}"] = notice.pk, nomination.pk
        approved, nomination = award(
            AwardCategory.Status.APPROVED,
            "年度优秀志愿者",
            notice_starts_on=today - datetime.timedelta(days=20),
            notice_ends_on=today - datetime.timedelta(days=12),
        )
        certificate = certificates.certificate_issue(
            kind=Certificate.Kind.AWARD,
            holder_name=person.legal_name,
            title_zh=f"{year}年度年度优秀志愿者",
            title_en=f"Volunteer of the year {year}",
            year=year,
            hours=hours,
            points=points,
            actor=staff,
            contributor=person,
            nomination=nomination,
        )
        ids.update(
            {
                f"approved_{side}": approved.pk,
                f"approved_nomination_{side}": nomination.pk,
                f"certificate_{side}": certificate.pk,
                f"certificate_{side}_code": certificate.code,
            }
        )
        report = RecognitionReport.objects.create(
            region=district,
            kind=RecognitionReport.Kind.ANNUAL,
            year=year - 1,
            status=RecognitionReport.Status.DONE,
            progress=100,
            requested_by=staff,
            finished_at=timezone.now(),
        )
        report.pdf.save(f"report-{side}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        report.xlsx.save(f"report-{side}.xlsx", ContentFile(b"PK\x03\x04"), save=False)
        report.save()
        ids[f"report_{side}"] = report.pk
    ids["objection_a"] = commendations.objection_lodge(
        category_id=ids["notice_a"], body="该律师今年曾被当事人投诉", nomination_id=ids["notice_nomination_a"]
    ).pk
    loose = certificates.certificate_issue(
        kind=Certificate.Kind.AWARD,
        holder_name=world.lawyer_contributor.legal_name,
        title_zh="优秀志愿者",
        title_en="Outstanding volunteer",
        year=year - 1,
        hours=Decimal("10"),
        points=Decimal("100"),
        contributor=world.lawyer_contributor,
    )
    certificates.certificate_revoke(certificate_id=loose.pk, actor=world.city_staff, reason="重复颁发")
    for side, firm in (("a", world.firm_a), ("b", world.firm_b)):
        statement = certificates.certificate_issue(
            kind=Certificate.Kind.STATEMENT,
            holder_name=firm.name,
            title_zh="公共法律服务证明",
            title_en="Public-service statement",
            year=year - 1,
            hours=Decimal("50"),
            points=Decimal("500"),
            organisation=firm,
        )
        ids.update({f"statement_{side}": statement.pk, f"statement_{side}_number": statement.number})
    statement_issue(organisation=world.firm_a, year=year, actor=world.firm_admin)
    ids.update(
        loose_certificate=loose.pk,
        loose_certificate_code=loose.code,
        applicant_a_licence=world.applicant_a.licence_number,
        applicant_b_licence=world.applicant_b.licence_number,
    )
    return ids


def _hours_extras(world):
    """The hours certificates the rows name (see HOURS_MATRIX)."""
    import datetime
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from pointbook.hours_certificates import services as hours
    from pointbook.ledger.services import entry_post
    from volunteers.models import ServiceType
    from volunteers.people.identity import contributor_identity_set

    year = datetime.date.today().year - 1
    hotline = ServiceType.objects.get(code="hotline_12348")
    hours.settings_save(
        region=world.city,
        actor=world.city_staff,
        bureau_name="平顶山市司法局",
        person_in_charge="张建国",
        handling_officer="刘敏",
        contact="0375-12348",
        auto_issue=False,
        seal=SimpleUploadedFile("seal.png", _png(120), content_type="image/png"),
    )
    ids = {"hours_pending_from": f"{year}-01-01", "hours_pending_to": f"{year}-06-30", "last_year": year}
    for side, person in (("a", world.lawyer_contributor), ("b", world.other_lawyer_contributor)):
        contributor_identity_set(
            contributor=person, actor=person.user, id_type="resident_id", id_number="11010519491231002X"
        )
        entry_post(
            contributor=person,
            points=Decimal(30),
            kind=LedgerEntry.Kind.AWARD,
            source=LedgerEntry.Source.SERVICE_RECORD,
            source_id=900_000 + person.pk,
            idempotency_key=f"matrix-hours-{side}",
            breakdown={},
            effective_date=datetime.date(year, 2, 1),
            hours=Decimal(3),
            service_type_id=hotline.pk,
        )
        issued = hours.hours_request(
            contributor=person,
            actor=person.user,
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
        )
        issued = hours.hours_issue(request_id=issued.pk, actor=world.city_staff)
        pending = hours.hours_request(
            contributor=person,
            actor=person.user,
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 6, 30),
        )
        ids.update(
            {
                f"hours_issued_{side}": issued.pk,
                f"hours_certificate_{side}": issued.certificate.pk,
                f"hours_code_{side}": issued.certificate.code,
                f"hours_number_{side}": issued.certificate.number,
                f"hours_pending_{side}": pending.pk,
            }
        )
    return ids


def _import_extras(world):
    ids = {}
    for side, staff, region in (("a", world.staff_a, world.district_a), ("b", world.staff_b, world.district_b)):
        ids[f"import_{side}"] = ImportJob.objects.create(
            kind="contributors",
            file=f"imports/roster-{side}.csv",
            original_name=f"roster-{side}.csv",
            region=region,
            requested_by=staff,
            status=ImportJob.Status.DONE,
            rows=1,
            created=1,
        ).pk
    return ids


def _plain_job_extras(world):
    return {"plain_job_a": Job.objects.create(task="rescore", requested_by=world.staff_a).pk}


def _export_extras(world):
    ids = {}
    for side, staff, region in (("a", world.staff_a, world.district_a), ("b", world.staff_b, world.district_b)):
        job = ExportJob(
            dataset="regions",
            format=ExportJob.Format.CSV,
            region=region,
            requested_by=staff,
            status=ExportJob.Status.DONE,
            rows=1,
        )
        job.file.save(f"regions-{side}.csv", ContentFile(b"\xef\xbb\xbfcode,name\r\n"), save=False)
        job.save()
        ids[f"export_{side}"] = job.pk
    return ids


def _ids(request, world, name):
    """The ids the rows name; the rota (Wagtail pages, shifts) is only built for its own rows."""
    ids = {key: getattr(value, "pk", None) for key, value in vars(world).items()}
    if name in HANDOVER_MATRIX:
        ids.update(_handover_extras(world))
    if name in ROTA_MATRIX or name in POINTBOOK_MATRIX or name in HANDOVER_MATRIX:
        rota = request.getfixturevalue("rota")
        ids.update({key: value.pk for key, value in vars(rota).items()})
        ids.update(_rota_extras(world, rota))
        if name in POINTBOOK_MATRIX:
            ids.update(_pointbook_extras(world, rota))
    if name in RATING_MATRIX:
        ids.update(_rating_extras(world, request.getfixturevalue("rota")))
    # The extra objects each group of rows names, made only for those rows.
    for groups, make in (
        ((RECOGNITION_MATRIX,), _recognition_extras),
        ((INCENTIVES_MATRIX,), _incentives_extras),
        ((HOURS_ROWS,), _hours_extras),
        ((REQUEST_MATRIX,), _request_extras),
        ((IMPORT_MATRIX, JOB_MATRIX), _import_extras),
        ((JOB_MATRIX,), _plain_job_extras),
        ((EXPORT_MATRIX, JOB_MATRIX), _export_extras),
        ((ASSESSMENT_MATRIX,), _assessment_extras),
    ):
        if any(name in group for group in groups):
            ids.update(make(world))
    return ids


def _assessment_extras(world):
    """Last year's work of each lawyer (so each district and firm has a report to build), and a finished
    build of each district (by its staff) and of each firm."""
    import datetime

    from django.utils import timezone

    from tests.support.ledger import post

    year = timezone.localdate().year - 1
    ids = {"assessment_year": str(year)}
    for person in (world.lawyer_contributor, world.other_lawyer_contributor):
        post(person, datetime.date(year, 6, 1), "3", "30")
    for key, staff, region, organisation in (
        ("assessment_a", world.staff_a, world.district_a, None),
        ("assessment_b", world.staff_b, world.district_b, None),
        ("firm_assessment_a", world.firm_admin, world.district_a, world.firm_a),
        ("firm_assessment_b", world.staff_b, world.district_b, world.firm_b),
    ):
        job = ExportJob(
            dataset="assessment",
            format=ExportJob.Format.CSV,
            year=year,
            region=region,
            organisation=organisation,
            requested_by=staff,
            status=ExportJob.Status.DONE,
            rows=1,
        )
        job.file.save(f"{key}.csv", ContentFile(b"\xef\xbb\xbf\xe6\x89\xa7\r\n"), save=False)
        job.save()
        ids[key] = job.pk
    return ids


def _url(name, args, ids):
    """An arg starting with "?" is the query string, not a path argument."""
    if name.startswith("/"):
        return name
    query = "".join(arg.format(**ids) for arg in args if arg.startswith("?"))
    return reverse(name, args=[arg.format(**ids) for arg in args if not arg.startswith("?")]) + query


def _snapshot():
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list(*fields)) for model, fields in _WATCHED.items()
    }


def _assert_response(response, cell, ids, url):
    if cell == LOGIN:
        assert response.status_code == 302, response
        assert response["Location"].startswith(reverse("account_login") + "?next="), response["Location"]
    elif isinstance(cell, Redirect):
        assert response.status_code == 302, response
        location, to = response["Location"].split("?")[0], cell.to.format(**ids)
        if to.endswith("*"):  # to something new: its id is not known beforehand
            assert re.fullmatch(re.escape(to[:-1]) + r"\d+/", location), (location, to)
        else:
            assert location == to
    elif cell == NO_ROLE:
        assert response.status_code in NO_ROLE, f"{url}: expected 403 or 404, got {response.status_code}"
    else:
        assert response.status_code == cell, f"{url}: expected {cell}, got {response.status_code}"


def _post_data(payload, ids):
    return {
        key: [v.format(**ids) for v in value] if isinstance(value, list) else value.format(**ids)
        for key, value in (payload or {}).items()
    }


def _check(client, method, url, payload, user_name, cell, ids, before):
    """`before` is the database as the world fixture made it (each person starts from it)."""
    get_cell = LOGIN if user_name == "anonymous" else 405
    refused = cell in (LOGIN, NO_ROLE, 403, 404)
    if isinstance(cell, Unchanged):
        cell, refused = cell.cell, True
    # A POST answered with a redirect and not marked Unchanged was accepted: it did something.
    accepted = method in ("POST", "FORM") and isinstance(cell, Redirect) and not refused
    if method == "FORM":
        _assert_response(client.post(url, _post_data(payload, ids)), cell, ids, url)
        if refused:
            assert _snapshot() == before, f"a refused POST to {url} changed the database"
    elif method == "GET":
        _assert_response(client.get(url), cell, ids, url)
        assert _snapshot() == before, f"a GET of {url} changed the database"
        if refused:
            _assert_response(client.post(url, {}), cell, ids, url)
            assert _snapshot() == before, f"a refused POST to {url} changed the database"
    else:
        _assert_response(client.get(url), get_cell, ids, url)
        _assert_response(client.post(url, _post_data(payload, ids)), cell, ids, url)
        if refused:
            assert _snapshot() == before, f"a refused POST to {url} changed the database"
    if accepted:
        assert _snapshot() != before, f"an accepted POST to {url} changed nothing"


@pytest.mark.parametrize("name, method, args, payload, expected", list(_rows()))
def test_authorisation_matrix(request, world, client_for, subtests, name, method, args, payload, expected):
    ids = _ids(request, world, name)
    url = _url(name, args, ids)
    before = _snapshot()
    for user_name, cell in zip(USER_NAMES, expected, strict=True):
        with subtests.test(user=user_name, expected=cell):
            # Each person starts from the same world: what an allowed POST changes is rolled back.
            with transaction.atomic():
                try:
                    _check(client_for(user_name), method, url, payload, user_name, cell, ids, before)
                finally:
                    transaction.set_rollback(True)


@pytest.mark.parametrize("user_name, allowed", [("staff_a", True), ("city_staff", True), ("staff_b", False)])
def test_an_approval_the_matrix_accepts_approves_the_record_and_posts_its_award(
    request, world, client_for, user_name, allowed
):
    ids = _ids(request, world, "staff_record_decide")
    record_id = ids["record_a"]
    response = client_for(user_name).post(reverse("staff_record_decide", args=[record_id, "approve"]))
    record = ServiceRecord.objects.get(pk=record_id)
    awards = LedgerEntry.objects.filter(source=LedgerEntry.Source.SERVICE_RECORD, source_id=record_id)
    if allowed:
        assert (response.status_code, response["Location"]) == (302, "/staff/records/")
        assert record.status == ServiceRecord.Status.APPROVED
        assert record.decided_by == getattr(world, user_name)
        award = awards.get()
        assert (award.kind, award.contributor, award.points, award.hours) == (
            LedgerEntry.Kind.AWARD,
            world.lawyer_contributor,
            record.hours * 10,
            record.hours,
        )  # hotline: 10/h
    else:
        assert response.status_code == 404
        assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE and record.decided_at is None
        assert not awards.exists()


def test_post_only_staff_endpoints_answer_a_get_with_405(world, client_for):
    ids = _recognition_extras(world)
    urls = [
        reverse("standings_refresh"),
        reverse("staff_commendation_act", args=[ids["category_a"], "draft"]),
        reverse("staff_certificate_revoke", args=[ids["certificate_a"]]),
    ]
    client = client_for("lawyer")
    assert [client.get(url).status_code for url in urls] == [405, 405, 405]


OUR_URLCONFS = ("volunteers.urls", "cms.urls", "pointbook.urls", "spreadsheets.urls")


def _our_url_names():
    """Names of every pattern under an include() of one of OUR_URLCONFS, read from the project resolver."""
    names = set()

    def walk(patterns, inside):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    inside
                    or pattern.urlconf_name in OUR_URLCONFS
                    or getattr(pattern.urlconf_name, "__name__", "") in OUR_URLCONFS,
                )
            elif inside:
                # An unnamed pattern cannot have a row: it shows up as missing.
                names.add(pattern.name or f"<unnamed {pattern.pattern}>")

    walk(get_resolver().url_patterns, False)
    return names


def test_every_url_has_a_row_in_the_matrix():
    names = _our_url_names()
    assert names, "no URL patterns found under volunteers.urls"
    assert {"staff_opportunities", "staff_opportunity_shifts"} <= names, "cms.urls is not walked"
    assert {"my_points", "staff_records"} <= names, "pointbook.urls is not walked"
    table = {key for key in MATRIX if not key.startswith("/")}
    assert names - table == set(), "URLs without a row in the authorisation matrix"
    assert table - names == set(), "rows in the matrix for URLs that no longer exist"


def test_every_url_with_an_object_id_is_tried_inside_and_outside_each_region():
    for name in _our_url_names():
        pattern = get_resolver().reverse_dict.getlist(name)[0][1]
        if re.search(r"pk>", pattern):
            assert {A, B} <= set(MATRIX[name]), f"{name} needs an object in district A and one in district B"


# --- The admins: one login form (allauth's), and no way in for ordinary users ---------------------


@pytest.mark.parametrize("path", ["/cms-admin/login/", "/django-admin/login/"])
def test_admin_login_pages_send_people_to_the_allauth_login(db, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    page = client.get(path, follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("account_login"))


@pytest.mark.parametrize("path", ["/cms-admin/login/", "/django-admin/login/"])
def test_admin_login_pages_take_no_password(db, client, path):
    response = client.post(path, {"username": "x@example.cn", "email": "x@example.cn", "password": "x"})
    assert response.status_code in (302, 403, 405)
    assert b'type="password"' not in response.content


@pytest.mark.parametrize("user_name", ["lawyer", "firm_admin", "staff_a", "city_staff"])
def test_django_admin_is_closed_to_people_who_are_not_django_staff(client_for, user_name):
    client = client_for(user_name)
    response = client.get("/django-admin/", follow=True)
    assert response.status_code == 403
    assert client.get("/django-admin/volunteers/membership/", follow=True).status_code == 403


@pytest.mark.parametrize("user_name", ["staff_a", "city_staff"])
def test_bureau_staff_reach_the_cms_admin_to_publish_opportunities(client_for, user_name):
    response = client_for(user_name).get("/cms-admin/")
    assert response.status_code == 200


@pytest.mark.parametrize("user_name", ["lawyer", "firm_admin"])
def test_the_cms_admin_refuses_signed_in_people_without_access_instead_of_looping(client_for, user_name):
    client = client_for(user_name)
    try:
        response = client.get("/cms-admin/", follow=True)
    except RedirectCycleError:
        response = None
    assert response is not None, "redirect loop: /cms-admin/ → /accounts/login/?next=/cms-admin/ → /cms-admin/"
    assert response.status_code in (200, 403)
    if response.status_code == 200:  # sent somewhere else, with a message: not into the admin
        assert not response.wsgi_request.path.startswith("/cms-admin/")


@pytest.mark.parametrize("path", ["/django-admin/", "/cms-admin/"])
def test_both_admins_open_for_a_superuser(db, client, path):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(path).status_code == 200


def test_a_verified_user_logs_in_with_email_and_lands_on_the_home_page(world, client):
    from tests.factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": "lawyer@example.cn", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert int(client.session["_auth_user_id"]) == world.lawyer.pk


def test_an_unverified_email_address_cannot_log_in(db, client):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory(email="unverified@example.cn", verified_email=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_email_verification_sent"))
    assert "_auth_user_id" not in client.session


# --- Wagtail admin: bureau staff work on opportunity pages of their own region only ----------------


def _admin(page, action=""):
    return f"/cms-admin/pages/{page.pk}/{action}"


def _refused(response):
    """Refused: 403, or sent away (with a message) instead of the page."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and not response["Location"].startswith(response.wsgi_request.path)


@pytest.mark.parametrize(
    "user_name, side, allowed",
    [
        ("staff_a", "a", True),
        ("staff_a", "b", False),
        ("staff_b", "a", False),
        ("staff_b", "b", True),
        ("city_staff", "a", True),
        ("city_staff", "b", True),
    ],
)
def test_staff_open_the_page_editor_only_for_opportunities_in_their_region(rota, client_for, user_name, side, allowed):
    page = getattr(rota, f"opportunity_{side}")
    response = client_for(user_name).get(_admin(page, "edit/"))
    if allowed:
        assert response.status_code == 200
        assert page.title in response.content.decode()
    else:
        assert _refused(response), f"{user_name} opened {page.title}'s editor: {response.status_code}"
        assert page.title.encode() not in response.content


def _page_state(page):
    from wagtail.models import Page, PageViewRestriction

    fresh = Page.objects.get(pk=page.pk)
    return {
        "title": fresh.specific.title,
        "live": fresh.live,
        "path": fresh.path,
        "locked": fresh.locked,
        "revisions": fresh.revisions.count(),
        "pages": Page.objects.count(),
        "restrictions": PageViewRestriction.objects.filter(page=fresh).count(),
    }


@pytest.mark.parametrize(
    "action, data",
    [
        ("edit/", {"title": "改过的标题", "slug": "duty-a", "action-publish": "action-publish"}),
        ("delete/", {}),
        ("unpublish/", {}),
        ("copy/", {"new_title": "复制的值班", "new_slug": "duty-a-copy", "new_parent_page": "{index}"}),
        ("move/{index}/confirm/", {}),
    ],
)
def test_staff_cannot_save_delete_unpublish_copy_or_move_an_opportunity_outside_their_region(
    rota, client_for, action, data
):
    page = rota.opportunity_a
    index = page.get_parent().pk
    before = _page_state(page)
    response = client_for("staff_b").post(
        _admin(page, action.format(index=index)), {k: v.format(index=index) for k, v in data.items()}
    )
    assert _refused(response), response.status_code
    assert _page_state(page) == before


@pytest.mark.parametrize(
    "action, data",
    [
        ("lock/", {}),
        ("privacy/", {"restriction_type": "password", "password": "secret-1234"}),
    ],
)
def test_staff_cannot_lock_or_restrict_an_opportunity_outside_their_region(rota, client_for, action, data):
    page = rota.opportunity_a
    before = _page_state(page)
    response = client_for("staff_b").post(_admin(page, action), data)
    assert _page_state(page) == before, f"staff of district B changed district A's page through {action}"
    assert _refused(response), response.status_code


def test_staff_cannot_unlock_an_opportunity_locked_by_its_own_region(rota, client_for):
    page = rota.opportunity_a
    assert client_for("staff_a").post(_admin(page, "lock/")).status_code == 302
    assert _page_state(page)["locked"]
    client_for("staff_b").post(_admin(page, "unlock/"))
    assert _page_state(page)["locked"], "staff of district B unlocked district A's page"


@pytest.mark.parametrize("action", ["view_draft/", "history/"])
def test_staff_cannot_read_drafts_or_history_of_an_opportunity_outside_their_region(rota, client_for, action):
    response = client_for("staff_b").get(_admin(rota.opportunity_a, action))
    assert _refused(response) or response.status_code == 404, response.status_code


@pytest.mark.parametrize(
    "user_name, shown, hidden",
    [
        ("staff_a", ["a"], ["b"]),
        ("staff_b", ["b"], ["a"]),
        ("city_staff", ["a", "b"], []),
    ],
)
def test_the_page_explorer_lists_only_opportunities_in_the_staff_members_region(
    rota, client_for, user_name, shown, hidden
):
    index = rota.opportunity_a.get_parent()
    response = client_for(user_name).get(_admin(index))
    assert response.status_code == 200
    body = response.content.decode()
    for side in shown:
        page = getattr(rota, f"opportunity_{side}")
        assert page.title in body and _admin(page, "edit/") in body
    for side in hidden:
        page = getattr(rota, f"opportunity_{side}")
        assert page.title not in body and _admin(page, "edit/") not in body


def test_the_admin_page_search_finds_only_opportunities_in_the_staff_members_region(rota, client_for):
    client = client_for("staff_b")
    own = client.get("/cms-admin/pages/search/", {"q": rota.opportunity_b.title}).content.decode()
    assert _admin(rota.opportunity_b, "edit/") in own  # the search does find pages
    other = client.get("/cms-admin/pages/search/", {"q": rota.opportunity_a.title}).content.decode()
    assert _admin(rota.opportunity_a, "edit/") not in other, "district A's opportunity listed to staff of B"


def _options(body, field):
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', body, re.S)
    assert select, f"no <select name={field}> in the form"
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select.group(1))}


@pytest.mark.parametrize("user_name, side", [("staff_a", "a"), ("staff_b", "b")])
def test_the_opportunity_form_offers_only_regions_and_venues_in_the_staff_members_subtree(
    world, rota, client_for, user_name, side
):
    district = Region.objects.get(pk=getattr(world, f"district_{side}").pk)  # fresh: the fixture's has no children
    subtree = {r.pk for r in Region.get_tree(district)}
    assert len(subtree) == 3
    venues = {getattr(world, f"venue_{side}").pk}
    client = client_for(user_name)
    page = getattr(rota, f"opportunity_{side}")
    edit = client.get(_admin(page, "edit/")).content.decode()
    add = client.get(f"/cms-admin/pages/add/cms/opportunitypage/{page.get_parent().pk}/").content.decode()
    for body in (edit, add):
        assert _options(body, "region") == subtree
        assert _options(body, "venue") == venues


def _opportunity_form(page, **changes):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "summary": page.summary,
            "service_type": page.service_type_id,
            "region": page.region_id,
            "venue": page.venue_id,
            "description": rich_text("<p>说明</p>"),
            "contact_name": "",
            "contact_phone": "",
            "contact_email": "",
            "min_years_in_practice": page.min_years_in_practice,
            "no_complaint_years": page.no_complaint_years,
            "comments": inline_formset([]),
            **changes,
        }
    )


def _latest(page):
    """The opportunity as last saved in the editor (a draft revision until published)."""
    from wagtail.models import Page

    return Page.objects.get(pk=page.pk).get_latest_revision().as_object()


def test_staff_cannot_move_an_opportunity_into_another_region_through_the_form(world, rota, client_for):
    page, client = rota.opportunity_a, client_for("staff_a")
    # The same form inside the district saves (so the refusal below is about the region).
    saved = client.post(_admin(page, "edit/"), _opportunity_form(page, summary="街道值班"))
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved
    assert _latest(page).summary == "街道值班"

    refused = client.post(
        _admin(page, "edit/"),
        _opportunity_form(page, region=world.district_b.pk, venue=world.venue_b.pk, summary="越界"),
    )
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) >= {"region", "venue"}
    kept = _latest(page)
    assert (kept.summary, kept.region_id, kept.venue_id) == ("街道值班", world.district_a.pk, world.venue_a.pk)


# --- Nobody decides on their own work ---------------------------------------------------------------
# The lawyer is made staff of district A, and the other lawyer city staff and a superuser; each then
# tries every decision the staff pages offer on their own work (the objects of their own side).
# Every one is refused with a message and the database does not change.

# decision → (url name, args, POST data); "{s}" is the side: "a" for the lawyer, "b" for the other lawyer.
OWN_WORK = {
    "approve my attendance": ("staff_record_decide", ["{record_%s}", "approve"], {}),
    "approve my logged work": ("staff_record_decide", ["{logged_%s}", "approve"], {}),
    "reject my record": ("staff_record_decide", ["{record_%s}", "reject"], {"reason": "无签字"}),
    "withdraw my approval": ("staff_record_decide", ["{approved_%s}", "unapprove"], {"reason": "不实"}),
    "bulk-approve my record": ("staff_records", [], {"record": ["{record_%s}"]}),
    "uphold a complaint about me": ("staff_record_decide", ["{approved_%s}", "complaint"], {"reason": "投诉属实"}),
    "mark my attendance": ("staff_shift_roster", ["{past_shift_%s}"], {"signup": "{past_signup_%s}", "attended": "no"}),
    "adjust on my appeal": (
        "staff_appeal",
        ["{appeal_%s}"],
        {"action": "adjust", "adjust-points": "5", "adjust-reason": "补"},
    ),
    "refuse my appeal": ("staff_appeal", ["{appeal_%s}"], {"action": "refuse", "refuse-body": "驳回"}),
    "verify my profile": ("staff_person_edit", ["{me}"], "verify"),
    "nominate myself": ("staff_commendation_act", ["{category_%s}", "add"], {"who": "{my_licence}", "reason": "自荐"}),
    "resolve an objection about me": (
        "staff_commendation_act",
        ["{notice_%s}", "resolve"],
        {"objection": "{objection_%s}", "decision": "dismiss", "resolution": "不属实"},
    ),
    "approve an award I am nominated in": ("staff_commendation_act", ["{ended_%s}", "approve"], {}),
    "revoke my certificate": ("staff_certificate_revoke", ["{certificate_%s}"], {"reason": "撤销"}),
    "sign off my hours certificate": ("staff_hours_certificate_act", ["{hours_pending_%s}", "issue"], {}),
    "decline my hours certificate": (
        "staff_hours_certificate_act",
        ["{hours_pending_%s}", "decline"],
        {"reason": "不"},
    ),
    "revoke my hours certificate": ("staff_certificate_revoke", ["{hours_certificate_%s}"], {"reason": "撤销"}),
}


def _own_work_world(request, world, side):
    """The ids the rows name, with the side's lawyer made staff (B: a superuser of the city)."""
    import datetime

    from django.utils import timezone

    from pointbook.commendations import services as commendations

    # The recognition rows' "approved_a" is an award; here it is the approved record of the points rows.
    ids = _recognition_extras(world)
    ids.update(_ids(request, world, "staff_record_decide"))
    ids.update(_hours_extras(world))
    person = world.lawyer_contributor if side == "a" else world.other_lawyer_contributor
    region = world.district_a if side == "a" else world.city
    StaffProfile.objects.create(user=person.user, region=region)
    if side == "b":
        get_user_model().objects.filter(pk=person.user_id).update(is_superuser=True, is_staff=True)
        ids["objection_b"] = commendations.objection_lodge(
            category_id=ids["notice_b"], body="有投诉", nomination_id=ids["notice_nomination_b"]
        ).pk
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended, _nomination = _award(
        AwardCategory.Status.NOTICE,
        "公益之星",
        year=yesterday.year,
        side=side,
        staff=world.city_staff,
        district=person.region,
        person=person,
        points=100,
        hours=10,
        notice_starts_on=yesterday - datetime.timedelta(days=7),
        notice_ends_on=yesterday,
    )
    ids.update(ended_a=ended.pk, ended_b=ended.pk, me=person.pk, my_licence=person.licence_number)
    return person, ids


@pytest.mark.parametrize("side", ["a", "b"])
@pytest.mark.parametrize("decision", list(OWN_WORK))
def test_nobody_decides_on_their_own_work_whatever_their_role(request, world, decision, side):
    from django.contrib.messages import get_messages
    from django.test import Client

    person, ids = _own_work_world(request, world, side)
    name, args, payload = OWN_WORK[decision]
    if payload == "verify":
        payload = {
            "kind": person.kind,
            "legal_name": person.legal_name,
            "phone": person.phone,
            "region": str(person.region_id),
            "licence_number": person.licence_number or "",
            "verified": "on",
        }
        assert person.verified_at is None
    url = reverse(name, args=[(a % side if "%s" in a else a).format(**ids) for a in args])
    data = _post_data(
        {k: ([x % side for x in v] if isinstance(v, list) else v.replace("%s", side)) for k, v in payload.items()}, ids
    )
    client = Client()
    client.force_login(person.user)
    before = _snapshot()
    response = client.post(url, data)
    assert response.status_code in (200, 302), (decision, response.status_code)
    assert _snapshot() == before, f"{decision}: a decision on one's own work changed the database"
    said = " ".join(str(m) for m in get_messages(response.wsgi_request)) + response.content.decode()
    assert "自己" in said, f"{decision}: no refusal that says why ({said[:300]!r})"
