"""What the demo business says: its services, masters, locations, clients and notes."""

from __future__ import annotations

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


def columns(**fields: dict[str, str]) -> dict:
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

NOTES = [
    # client index, author, days ago, text
    (0, "owner", 20, "Аллергия на аммиачные красители — только безаммиачные."),
    (0, "manager", 6, "Предпочитает утро, до 12:00. Кофе без сахара."),
    (1, "manager", 12, "Любит короткие стрижки, всегда к Айгерим."),
    (2, "owner", 25, "Постоянный клиент с 2023 года, скидка 10% на окрашивание."),
    (4, "manager", 3, "Бывает, не приходит: подтверждать запись звонком накануне."),
    (6, "owner", 9, "Sensitive skin: patch test before any colouring."),
]
