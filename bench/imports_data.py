"""The data bench/imports.py measures: a `city` demo to import into, and the files it imports.

The database holds the demo builder's `city` scale (`demo.people.demo_build`): the city of 8
districts, 70 townships and 700 villages with their venues, 150 organisations, 2,930 contributors
and 60 staff. Next to it, in the same directory, `build` writes the spreadsheets, as staff would
upload them (UTF-8 with a BOM, the Chinese headers of the download template, `*` on required ones):

- roster.csv: `roster` new contributors (kind "contributors"): 70% lawyers, 10% grassroots legal
  workers, 5% notaries (each with a licence of the right shape and the licence of an existing
  organisation of the matching kind), 5% mediators and 10% volunteers (no licence; half the
  volunteers name a social organisation); a region code of a district or township; every 100th
  licence number typed with full-width digits and a space (normalised by the import).
- organisations.csv: `roster` new organisations for django-import-export's plain ModelResource
  (its default columns: id left empty, region as a primary key, kind as a code).
- history.csv: `history` service records of last year (kind "history") for every demo
  contributor (weighted, so some are much busier), named by licence number (by email when they have
  none), the service type by its Chinese name, a quarter of them at a venue of the person's
  district, hours 0.5–4, some with special groups served.
- *-warm.csv: the first 200 rows of each, for each measuring process's warm-up.

Deterministic for given parameters: a rerun with the same ones reuses the database and files.
"""

import csv
import io
import json
import random
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import standings_data  # noqa: I001 (bench/ is on the path: the benchmarks share their data helpers)

SEED = 20261201
PARAMS_TABLE = "bench_imports_params"
TYPES_BY_KIND = standings_data.TYPES_BY_KIND  # the same mix of work by kind of contributor
WARM_ROWS = 200
HOURS = ("0.5", "1", "1.5", "2", "2", "2.5", "3", "4")
DESCRIPTIONS = (
    "为群众解答婚姻家庭纠纷咨询",
    "值班接待来访群众",
    "参与矛盾纠纷调解",
    "开展法治宣传讲座",
    "为企业进行法律体检",
    "代写法律文书",
    "解答劳动争议咨询",
    "协助办理法律援助申请",
)


@dataclass(frozen=True)
class Params:
    roster: int
    history: int
    year: int
    version: int = 1  # bump when the generator changes, so old databases are rebuilt

    def key(self):
        return json.dumps(asdict(self), sort_keys=True)


def params_stored():
    return standings_data.params_stored(PARAMS_TABLE)


def headers(code):
    """The download template's Chinese headers for import kind `code` (required ones marked *)."""
    from django.utils import translation

    import spreadsheets.imports.kinds_points  # noqa: F401  (registers history)
    from spreadsheets.imports.engine import KINDS

    with translation.override("zh-hans"):
        return [c.header() + ("*" if c.required else "") for c in KINDS[code].resource_class().columns()]


def _labels(choices):
    from django.utils import translation

    with translation.override("zh-hans"):
        return {code: str(label) for code, label in choices}


def _write(path, header, rows, *, bom=True):
    """`path` and its `-warm` sibling (the first WARM_ROWS rows)."""
    for target, part in ((path, rows), (path.with_name(path.stem + "-warm.csv"), rows[:WARM_ROWS])):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # as Excel saves CSV
        writer.writerow(header)
        writer.writerows(part)
        target.write_bytes((("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8"))


def _full_width(text):
    """Digits as a Chinese keyboard in full-width mode types them, with a space in the middle."""
    wide = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)
    return wide[:6] + "\u3000" + wide[6:]


def _roster(params, directory, rng):
    from demo.people import GIVEN, SURNAMES
    from volunteers.models import Contributor, Organisation, Region

    kinds = _labels(Contributor.Kind.choices)
    places = list(
        Region.objects.filter(level__in=[Region.Level.DISTRICT, Region.Level.TOWNSHIP]).values_list("code", "level")
    )
    weights = [3 if level == Region.Level.DISTRICT else 1 for _code, level in places]
    orgs = {}
    for licence, kind in Organisation.objects.order_by("pk").values_list("licence_number", "kind"):
        orgs.setdefault(kind, []).append(licence)
    plan = (
        [("lawyer", "law_firm")] * 14
        + [("grassroots_worker", "legal_service_office")] * 2
        + [("notary", "notary_office"), ("mediator", None)]
        + [("volunteer", "social_organisation")] * 2
    )
    rows = []
    for n in range(params.roster):
        kind, org_kind = plan[n % len(plan)]
        code = rng.choices(places, weights=weights)[0][0]
        district = code[:6]
        if kind in ("lawyer", "grassroots_worker"):
            licence = f"{1 if kind == 'lawyer' else 3}{district}1999{n % 2}{n:05d}"
        elif kind == "notary":
            licence = f"{district}9{n:05d}"
        else:
            licence = ""
        if licence and n % 100 == 7:
            licence = _full_width(licence)
        org = ""
        if org_kind and (kind != "volunteer" or rng.random() < 0.5):
            org = rng.choice(orgs[org_kind])
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        email = f"Roster{n:05d}@Bench.cn" if n % 10 == 3 else f"roster{n:05d}@bench.cn"
        rows.append([name, kinds[kind], licence, org, f"13{n:09d}", email, code])
    _write(directory / "roster.csv", headers("contributors"), rows)


def _organisations(params, directory, rng):
    from volunteers.models import Organisation, Region

    districts = list(Region.objects.filter(level=Region.Level.DISTRICT).values_list("pk", "code", "name"))
    kinds = [code for code, _label in Organisation.Kind.choices]
    rows = []
    for n in range(params.roster):
        pk, code, name = rng.choice(districts)
        rows.append(
            [
                "",
                f"{name}第{n + 1}法律服务机构",
                rng.choice(kinds),
                pk,
                f"9{code}{n:08d}",
                f"{name}人民路{n % 300 + 1}号",
                f"0877-{2000000 + n}",
                "1",
            ]
        )
    _write(
        directory / "organisations.csv",
        ["id", "name", "kind", "region", "licence_number", "address", "phone", "good_standing"],
        rows,
        bom=False,
    )


def _history(params, directory, rng):
    from volunteers.models import Contributor, ServiceType, SpecialGroup, Venue

    type_names = dict(ServiceType.objects.values_list("code", "name_zh"))
    venues = {}
    for region_code, name in Venue.objects.filter(region__depth__gte=2).values_list("region__code", "name"):
        venues.setdefault(region_code[:6], []).append((region_code, name))
    people = list(
        Contributor.objects.order_by("pk").values_list(
            "licence_number", "user__email", "legal_name", "kind", "region__code"
        )
    )
    weights = [rng.lognormvariate(0, 0.8) for _ in people]
    # Labels that hold the cell's own separator (军人军属、退役军人) cannot be read back one by one: left out.
    group_names = [label for label in _labels(SpecialGroup.choices).values() if "、" not in label]
    first = date(params.year, 1, 1)
    days = (date(params.year + 1, 1, 1) - first).days
    rows = []
    for n, (licence, email, legal_name, kind, region_code) in enumerate(
        rng.choices(people, weights=weights, k=params.history)
    ):
        type_name = type_names[rng.choice(TYPES_BY_KIND[kind])]
        venue = ""
        if rng.random() < 0.25 and venues.get(region_code[:6]):
            region_code, venue = rng.choice(venues[region_code[:6]])
        special = "、".join(rng.sample(group_names, k=rng.randint(1, 2))) if rng.random() < 0.2 else ""
        rows.append(
            [
                f"HIST-{params.year}-{n + 1:06d}",
                licence or email,
                legal_name,
                type_name,
                region_code,
                venue,
                (first + timedelta(days=rng.randrange(days))).isoformat(),
                rng.choice(HOURS),
                rng.randint(1, 12),
                special,
                rng.choice(DESCRIPTIONS),
            ]
        )
    _write(directory / "history.csv", headers("history"), rows)


def files_build(params, directory):
    """Write the spreadsheets for the database just built (they name its organisations and people)."""
    rng = random.Random(SEED)
    _roster(params, directory, rng)
    _organisations(params, directory, rng)
    _history(params, directory, rng)


def build(params, directory, *, log=print):
    """Fill the (migrated, empty) database and write the files; returns counts."""
    from django.db import connection, transaction

    from demo import people as demo

    counts = demo.demo_build("city", today=date(params.year + 1, 6, 30))
    log(f"  people and places: {counts}")
    files_build(params, Path(directory))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {PARAMS_TABLE} (params TEXT NOT NULL)")
        cursor.execute(f"INSERT INTO {PARAMS_TABLE} (params) VALUES (%s)", [params.key()])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts
