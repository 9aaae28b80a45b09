"""The demo business used by ``make run`` and screenshots: a believable Almaty/Astana salon."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.accounts.models import Client, ClientNote, User
from app.analytics.services import roll_up_range
from app.billing import services as billing
from app.bookings.models import Booking
from app.catalog.models import Master, MasterService, Service, ServiceLocation
from app.core.auth import hash_password
from app.core.tenancy import tenant_scope
from app.core.types import utcnow
from app.extensions import db
from app.scheduling.models import TimeOff, WorkingHours
from app.tenants.models import Location, Tenant

DEMO_PASSWORD = "demo12345"  # noqa: S105 -- the published demo login

# The demo business writes in Russian (its default language) and also in Kazakh and English,
# so every page, message and calendar file can be seen in the reader's language.


def _texts(ru: str, kk: str, en: str) -> dict[str, str]:
    return {"ru": ru, "kk": kk, "en": en}


SERVICES = [
    # name, minutes, buffer, price, description
    (
        _texts("Женская стрижка", "Әйелдер шашын қию", "Women's haircut"),
        60,
        15,
        "9000",
        _texts("Мытьё головы, стрижка и укладка.", "Шаш жуу, қию және сәндеу.", "Wash, cut and styling."),
    ),
    (
        _texts("Мужская стрижка", "Ерлер шашын қию", "Men's haircut"),
        40,
        10,
        "6000",
        _texts(
            "Классика или фейд, с мытьём головы.",
            "Классикалық немесе фейд, шаш жуумен бірге.",
            "Classic or fade, with a wash.",
        ),
    ),
    (
        _texts("Оформление бороды", "Сақалды түзету", "Beard trim"),
        30,
        5,
        "4000",
        _texts("Контур и форма, горячее полотенце.", "Пішінін келтіру, ыстық сүлгімен.", "Shape-up with hot towel."),
    ),
    (
        _texts("Маникюр с гель-лаком", "Гель-лакпен маникюр", "Manicure with gel polish"),
        90,
        15,
        "11000",
        _texts(
            "Уход за кутикулой и стойкое покрытие гель-лаком.",
            "Тырнақ терісін күту және ұзаққа шыдайтын гель-лак.",
            "Cuticle care and long-lasting gel polish.",
        ),
    ),
    (
        _texts("Окрашивание волос", "Шаш бояу", "Hair colouring"),
        150,
        15,
        "25000",
        _texts(
            "Окрашивание в один тон, тонирование включено.",
            "Бір түске бояу, тондау бағасына кіреді.",
            "One-tone colouring, including toner.",
        ),
    ),
    (
        _texts("Коррекция бровей", "Қас түзету", "Eyebrow shaping"),
        30,
        5,
        "5000",
        _texts("Коррекция формы и окрашивание.", "Пішінін түзету және бояу.", "Correction and tinting."),
    ),
]

MASTERS = [
    # name, email local part, specialization, location index, service indexes
    (
        _texts("Айгерим Нурланова", "Әйгерім Нұрланова", "Aigerim Nurlanova"),
        "aigerim",
        _texts("Парикмахер-стилист", "Шаштараз-стилист", "Hair stylist"),
        0,
        [0, 4],
    ),
    (
        _texts("Данияр Сейткали", "Данияр Сейітқали", "Daniyar Seitkali"),
        "daniyar",
        _texts("Барбер", "Барбер", "Barber"),
        0,
        [1, 2],
    ),
    (
        _texts("Мадина Ахметова", "Мадина Ахметова", "Madina Akhmetova"),
        "madina",
        _texts("Мастер маникюра", "Маникюр шебері", "Nail artist"),
        0,
        [3, 5],
    ),
    (
        _texts("Ерлан Беков", "Ерлан Беков", "Yerlan Bekov"),
        "yerlan",
        _texts("Барбер", "Барбер", "Barber"),
        1,
        [1, 2],
    ),
    (
        _texts("Сауле Омарова", "Сәуле Омарова", "Saule Omarova"),
        "saule",
        _texts("Стилист и мастер бровей", "Стилист және қас шебері", "Hair stylist and brows"),
        1,
        [0, 4, 5],
    ),
]

LOCATIONS = [
    # name, address, phone
    (
        _texts("Алматы, Достык", "Алматы, Достық", "Almaty, Dostyk"),
        _texts("пр. Достык, 89, Алматы", "Достық даңғылы, 89, Алматы", "Dostyk Ave 89, Almaty"),
        "+77272501010",
    ),
    (
        _texts("Астана, Левый берег", "Астана, Сол жағалау", "Astana, Left Bank"),
        _texts(
            "пр. Кабанбай батыра, 11, Астана", "Қабанбай батыр даңғылы, 11, Астана", "Kabanbay Batyr Ave 11, Astana"
        ),
        "+77172501010",
    ),
]

BUSINESS_NAME = _texts("Студия красоты «Демо»", "«Демо» сұлулық студиясы", "Demo Beauty Studio")
BUSINESS_DESCRIPTION = _texts(
    "Стрижки, маникюр и барберинг в Алматы и Астане. Онлайн-запись круглосуточно.",
    "Алматы мен Астанадағы шаштараз, маникюр және барбер қызметтері. Онлайн жазылу тәулік бойы.",
    "Hair, nails and barbering in Almaty and Astana. Book online 24/7.",
)
DEFAULT_LANGUAGE = "ru"


def _columns(**fields: dict[str, str]) -> dict:
    """The default language's texts as columns, the others as ``translations``."""
    out: dict = {name: texts[DEFAULT_LANGUAGE] for name, texts in fields.items()}
    out["translations"] = {lang: {name: texts[lang] for name, texts in fields.items()} for lang in ("kk", "en")}
    return out


CLIENT_NAMES = [
    "Айгүл",
    "Асель",
    "Бауыржан",
    "Дина",
    "Ерасыл",
    "Жанар",
    "Карина",
    "Мария",
    "Нурсултан",
    "Ольга",
    "Руслан",
    "Сабина",
    "Тимур",
    "Улан",
    "Елена",
    "Арман",
    "Гульнара",
    "Дмитрий",
    "Алия Сейтова",
    "Виктория Ли",
    "Әсел Жумабаева",
    "Ержан Тулеуов",
    "Камила Исаева",
    "Светлана Ким",
    "Жандос Ахметов",
    "Мадина Оспанова",
    "Анна Петрова",
    "Дариға Нұрланқызы",
    "Ильяс Каримов",
    "Томирис Абенова",
]

#: Days of past visits the demo has (a month and a bit, so 4 whole weeks show in analytics).
HISTORY_DAYS = 35

NOTES = [
    # client index, author, days ago, text
    (0, "owner", 20, "Аллергия на аммиачные красители — только безаммиачные."),
    (0, "manager", 6, "Предпочитает утро, до 12:00. Кофе без сахара."),
    (1, "manager", 12, "Любит короткие стрижки, всегда к Айгерим."),
    (2, "owner", 25, "Постоянный клиент с 2023 года, скидка 10% на окрашивание."),
    (4, "manager", 3, "Бывает, не приходит: подтверждать запись звонком накануне."),
    (6, "owner", 9, "Sensitive skin: patch test before any colouring."),
]


def _at(day: date, hhmm: str, tz: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), ZoneInfo(tz))


def seed(subdomain: str = "demo") -> str:
    rng = random.Random(42)
    password_hash = hash_password(DEMO_PASSWORD)  # one bcrypt run for every demo login (same password)
    now = utcnow()
    tenant = Tenant(
        subdomain=subdomain,
        status="active",
        currency="KZT",
        default_language=DEFAULT_LANGUAGE,
        timezone="Asia/Almaty",
        languages=["ru", "kk", "en"],
        **_columns(name=BUSINESS_NAME, description=BUSINESS_DESCRIPTION),
        approved_at=now,
        trial_ends_at=now + timedelta(days=14),
        email=f"owner@{subdomain}.example",
    )
    db.session.add(tenant)
    db.session.flush()
    with tenant_scope(tenant.id):
        billing.ensure_subscription(tenant)  # its trial, on the trial plan (app.billing)
        locations = [
            Location(phone=phone, timezone="Asia/Almaty", **_columns(name=name, address=address))
            for name, address, phone in LOCATIONS
        ]
        db.session.add_all(locations)
        db.session.flush()
        db.session.add_all(
            [
                User(
                    email=f"owner@{subdomain}.example",
                    name="Gaukhar Saparova",
                    role="owner",
                    tenant_id=tenant.id,
                    password_hash=password_hash,
                    language="ru",
                ),
                User(
                    email=f"manager@{subdomain}.example",
                    name="Alina Kim",
                    role="manager",
                    tenant_id=tenant.id,
                    location_id=locations[0].id,
                    password_hash=password_hash,
                    language="ru",
                ),
            ]
        )
        services = []
        for name, minutes, buffer, price, desc in SERVICES:
            s = Service(
                duration_minutes=minutes,
                buffer_minutes=buffer,
                price=Decimal(price),
                currency="KZT",
                **_columns(name=name, description=desc),
            )
            services.append(s)
        db.session.add_all(services)
        db.session.flush()
        for s in services:
            for loc in locations:
                db.session.add(ServiceLocation(service_id=s.id, location_id=loc.id))
        masters = []
        for name, login, spec, loc_i, svc_is in MASTERS:
            user = User(
                email=f"{login}@{subdomain}.example",
                name=name[DEFAULT_LANGUAGE],
                role="master",
                tenant_id=tenant.id,
                location_id=locations[loc_i].id,
                password_hash=password_hash,
                language="kk" if login in ("aigerim", "yerlan") else "ru",
            )
            db.session.add(user)
            db.session.flush()
            m = Master(
                **_columns(name=name, specialization=spec),
                location_id=locations[loc_i].id,
                user_id=user.id,
                email=user.email,
                permissions=["see_client_phones"] if login == "aigerim" else [],
            )
            db.session.add(m)
            db.session.flush()
            for i in svc_is:
                db.session.add(MasterService(master_id=m.id, service_id=services[i].id))
            # Mon-Fri 10-14 and 15-19 (a lunch break), Saturday 10-16, Sunday off.
            for wd in range(5):
                db.session.add(WorkingHours(master_id=m.id, weekday=wd, start_time=time(10), end_time=time(14)))
                db.session.add(WorkingHours(master_id=m.id, weekday=wd, start_time=time(15), end_time=time(19)))
            db.session.add(WorkingHours(master_id=m.id, weekday=5, start_time=time(10), end_time=time(16)))
            masters.append((m, [services[i] for i in svc_is]))
        db.session.flush()

        today = now.astimezone(ZoneInfo("Asia/Almaty")).date()
        vacation = today + timedelta(days=10)
        db.session.add(
            TimeOff(
                master_id=masters[2][0].id,
                reason="Vacation",
                start_at=_at(vacation, "00:00", "Asia/Almaty"),
                end_at=_at(vacation + timedelta(days=3), "00:00", "Asia/Almaty"),
            )
        )
        db.session.add(
            TimeOff(
                master_id=masters[0][0].id,
                reason="Doctor's appointment",
                start_at=_at(today + timedelta(days=2), "15:00", "Asia/Almaty"),
                end_at=_at(today + timedelta(days=2), "17:00", "Asia/Almaty"),
            )
        )

        clients = [
            Client(
                phone=f"+7701{5550000 + i:07d}",
                name=n,
                language=rng.choice(["ru", "ru", "kk", "kk", "en"]),
                email=f"client{i + 1}@mail.example" if i % 3 == 0 else None,
                created_at=now - timedelta(days=rng.randint(35, 400)),
            )
            for i, n in enumerate(CLIENT_NAMES)
        ]
        db.session.add_all(clients)
        db.session.flush()
        # Regulars come back every week or two; the rest now and then.
        weights = [6 if i < 8 else 2 if i < 20 else 1 for i in range(len(clients))]

        count = 0
        taken: set[tuple[int, datetime]] = set()
        for m, offered in masters:
            tz = m.location.timezone
            for offset in range(-HISTORY_DAYS, 15):
                day = today + timedelta(days=offset)
                if day.weekday() == 6 or (offset > 0 and rng.random() < 0.3):
                    continue
                starts = ("10:00", "12:00") if day.weekday() == 5 else ("10:00", "12:00", "15:00", "17:00")
                free_from = None
                for start in starts:
                    start_at = _at(day, start, tz)
                    if free_from is not None and start_at < free_from:
                        continue  # the previous visit (a long colouring) is still going on
                    if rng.random() < (0.4 if offset < 0 else 0.45):
                        continue
                    long_ok = start in ("10:00", "15:00") and day.weekday() < 5
                    svc = rng.choice([s for s in offered if s.duration_minutes <= 90 or long_ok] or offered)
                    end_at = start_at + timedelta(minutes=svc.duration_minutes)
                    block_end = end_at + timedelta(minutes=svc.buffer_minutes)
                    free_from = block_end
                    if start_at.astimezone(UTC) < now:
                        status = rng.choices(["completed", "no_show", "cancelled"], [82, 6, 12])[0]
                    elif start_at.astimezone(UTC) < now + timedelta(hours=2):
                        continue
                    else:
                        status = rng.choices(["confirmed", "cancelled"], [92, 8])[0]
                    client_id = rng.choices(clients, weights)[0].id
                    while (client_id, start_at) in taken:  # never two visits of one client at one time
                        client_id = rng.choice(clients).id
                    taken.add((client_id, start_at))
                    created = min(now, start_at.astimezone(UTC)) - timedelta(
                        days=rng.randint(1, 10), hours=rng.randint(0, 9)
                    )
                    db.session.add(
                        Booking(
                            location_id=m.location_id,
                            master_id=m.id,
                            service_id=svc.id,
                            client_id=client_id,
                            status=status,
                            start_at=start_at,
                            end_at=end_at,
                            block_end_at=block_end,
                            local_start=start_at.replace(tzinfo=None),
                            timezone=tz,
                            duration_minutes=svc.duration_minutes,
                            buffer_minutes=svc.buffer_minutes,
                            price=svc.price,
                            currency=svc.currency,
                            source=rng.choice(["public", "public", "staff"]),
                            created_at=created,
                            # Marked a little after the visit, and not within the undo window of now.
                            updated_at=max(
                                created,
                                min(end_at.astimezone(UTC) + timedelta(minutes=10), now - timedelta(minutes=15)),
                            ),
                            cancelled_by=rng.choice(["client", "client", "staff"]) if status == "cancelled" else None,
                        )
                    )
                    count += 1
        db.session.flush()

        owner, manager = (
            db.session.scalar(select(User).where(User.tenant_id == tenant.id, User.role == role))
            for role in ("owner", "manager")
        )
        for client_i, author, days_ago, text in NOTES:
            db.session.add(
                ClientNote(
                    client_id=clients[client_i].id,
                    text=text,
                    author_user_id=(owner if author == "owner" else manager).id,
                    author_name=(owner if author == "owner" else manager).name,
                    created_at=now - timedelta(days=days_ago, hours=rng.randint(0, 8)),
                )
            )
        db.session.flush()

    # The analytics pages read the daily roll-up: fill it for the month of history and today.
    roll_up_range(tenant.id, today - timedelta(days=HISTORY_DAYS + 1), today)
    return (
        f"2 locations, {len(services)} services, {len(masters)} masters, {len(clients)} clients, "
        f"{count} bookings, {len(NOTES)} client notes"
    )
