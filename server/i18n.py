"""Text the server writes for people to read (mail, calendar entries), in English and Russian
like the interface's own dictionaries (frontend/i18n.js), with dates in the reader's language
and zone (Babel)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

LANGUAGES = ("en", "ru")
_LOCALES = {"en": "en_GB", "ru": "ru"}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "signature": "Pavilion",
        "meeting.subject": "Meeting at {stand}: {when}",
        "meeting.summary": "{stand}: meeting of {staff} and {visitor}",
        "meeting.online": "online, by video call: at that time open {url} and the meeting's chat",
        "meeting.onsite": "at the stand of {stand}, on site",
        "meeting.body": (
            "Hello {name},\n\n"
            "a meeting at the stand of {stand} is booked.\n\n"
            "When: {when}\n"
            "With: {other}\n"
            "Where: {where}\n\n"
            "The invitation is attached: add it to your calendar.\n"
        ),
        "meeting.cancelled.subject": "Cancelled: meeting at {stand}, {when}",
        "meeting.cancelled.body": (
            "Hello {name},\n\n"
            "the meeting at the stand of {stand} on {when} with {other} was cancelled by {by}.\n\n"
            "The cancellation is attached: it takes the meeting out of your calendar.\n"
        ),
        "staff.subject": "Your exhibitor account at the {pavilion} pavilion",
        "staff.body": (
            "Hello {name},\n\n"
            "an account was made for you on the staff of {stands}, in the {pavilion} pavilion. "
            'Visitors who press "Talk to us now" ring at your exhibitor desk, and there you '
            "see your stand's leads.\n\n"
            "Choose your password to sign in (the link works until {until}):\n{link}\n\n"
            "Once it has expired, ask for a new one on the sign-in page "
            '("Forgot your password?").\n'
        ),
        "reset.subject": "Choose a new password for Pavilion",
        "reset.body": (
            "Hello {name},\n\n"
            "somebody (we hope you) asked to choose a new password for your account.\n\n"
            "Choose it here (the link works until {until}):\n{link}\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n"
        ),
        "reset.none.subject": "Choose a new password for Pavilion",
        "reset.none.body": (
            "Hello,\n\n"
            "somebody (we hope you) asked to choose a new password for a Pavilion account with "
            "this address, but no account uses it.\n\n"
            "If you meant another address, ask again with that one: {forgot}\n"
            "To make an account with this address: {signup}\n\n"
            "If it was not you, ignore this message.\n"
        ),
        "signup.subject": "Finish creating your Pavilion account",
        "signup.body": (
            "Hello {name},\n\n"
            "somebody (we hope you) signed up to Pavilion with this address. To finish creating "
            "the account and sign in, open this link (it works until {until}):\n{link}\n\n"
            "If it was not you, ignore this message: no account is made.\n"
        ),
        "signup.taken.subject": "Somebody tried to sign up to Pavilion with your address",
        "signup.taken.body": (
            "Hello {name},\n\n"
            "somebody (perhaps you) tried to create a new Pavilion account with this address. "
            "You already have one, so nothing was made and nothing about your account changed.\n\n"
            "To sign in: {signin}\n"
            "Forgot your password? Choose a new one: {forgot}\n\n"
            "If it was not you, ignore this message.\n"
        ),
        "people.subject": "Your account at {place}",
        "people.body": (
            "Hello {name},\n\n"
            "an account was made for you on Pavilion: you are {role} — {scope}.\n\n"
            "Choose your password to sign in (the link works until {until}):\n{link}\n\n"
            "Once it has expired, ask for a new one on the sign-in page "
            '("Forgot your password?").\n'
        ),
        "notice.link": "Open: {link}\n",
        "notice.seat_offered.subject": "A seat is yours if you accept: {title}",
        "notice.seat_offered.body": (
            "Hello {name},\n\n"
            "a seat came free at «{title}» ({when}). It is held for you until {deadline}: "
            "accept it on the session's page before then, or it passes to the next in line.\n"
        ),
        "notice.session_moved.subject": "New time: {title}",
        "notice.session_moved.body": (
            "Hello {name},\n\n"
            "«{title}» has moved. It now takes place {when} (in the host city: {host}).\n"
            "It was to start {was_starts_at}.\n"
        ),
        "notice.session_cancelled.subject": "Cancelled: {title}",
        "notice.session_cancelled.body": (
            "Hello {name},\n\n«{title}», planned for {when}, is cancelled.\n"
        ),
        "notice.session_restored.subject": "Back in the program: {title}",
        "notice.session_restored.body": (
            "Hello {name},\n\n«{title}» is back in the program: {when} "
            "(in the host city: {host}). Your registration stands.\n"
        ),
        "notice.session_delayed.subject": "Delayed by {minutes} min: {title}",
        "notice.session_delayed.body": (
            "Hello {name},\n\n"
            "the marathon runs {minutes} minutes late. «{title}» now takes place {when} "
            "(in the host city: {host}).\n"
        ),
        "notice.reminder.subject": "Soon: {title}",
        "notice.reminder.body": (
            "Hello {name},\n\n«{title}», which you registered for, starts {when} "
            "(in the host city: {host}).\n"
        ),
        "notice.invited.subject": "You are invited: {title}",
        "notice.invited.body": (
            "Hello {name},\n\nyou are invited to the closed session «{title}», {when}.\n"
        ),
        "notice.role_granted.subject": "You are {role}: {scope}",
        "notice.role_granted.body": ("Hello {name},\n\nyou are now {role}: {scope}.\n"),
        "notice.role_withdrawn.subject": "No longer {role}: {scope}",
        "notice.role_withdrawn.body": ("Hello {name},\n\nyou are no longer {role}: {scope}.\n"),
        "role.organiser": "an organiser",
        "role.door": "door staff",
        "role.moderator": "a moderator",
        "role.speaker": "a speaker",
        "role.exhibitor": "stand staff",
        # --- invitations to closed sessions ---
        "invite.subject": "Invitation: {title}",
        "invite.hello": "Hello {name},",
        "invite.hello.anonymous": "Hello,",
        "invite.city": ", local time in {city}",
        "invite.body": (
            "{hello}\n\n"
            "you are invited to the closed session «{title}» of {forum}.\n\n"
            "When: {when}{city}.\n\n"
            "Accept the invitation here (the link works until {until}):\n{link}\n\n"
            "Sign in, or make an account, then accept it and register for the session.\n"
        ),
    },
    "ru": {
        "signature": "Pavilion",
        "meeting.subject": "Встреча на стенде «{stand}»: {when}",
        "meeting.summary": "{stand}: встреча, {staff} и {visitor}",
        "meeting.online": "онлайн, видеозвонком: в это время откройте {url} и чат встречи",
        "meeting.onsite": "на стенде «{stand}», на площадке",
        "meeting.body": (
            "Здравствуйте, {name}!\n\n"
            "Назначена встреча на стенде «{stand}».\n\n"
            "Когда: {when}\n"
            "С кем: {other}\n"
            "Где: {where}\n\n"
            "Приглашение во вложении: добавьте его в свой календарь.\n"
        ),
        "meeting.cancelled.subject": "Отменена встреча на стенде «{stand}», {when}",
        "meeting.cancelled.body": (
            "Здравствуйте, {name}!\n\n"
            "Встречу на стенде «{stand}» ({when}, {other}) отменил(а) {by}.\n\n"
            "Отмена во вложении: она уберёт встречу из вашего календаря.\n"
        ),
        "staff.subject": "Ваша учётная запись экспонента: павильон «{pavilion}»",
        "staff.body": (
            "Здравствуйте, {name}!\n\n"
            "Для вас создана учётная запись в команде стенда {stands} в павильоне "
            "«{pavilion}». Посетители, нажавшие «Поговорить сейчас», будут звонить на вашу "
            "стойку экспонента, и там же вам видны обращения к стенду.\n\n"
            "Задайте пароль для входа (ссылка действует до {until}):\n{link}\n\n"
            "Если срок истёк, запросите новую ссылку на странице входа («Забыли пароль?»).\n"
        ),
        "reset.subject": "Новый пароль для Pavilion",
        "reset.body": (
            "Здравствуйте, {name}!\n\n"
            "Кто-то (надеемся, вы) попросил задать новый пароль для вашей учётной записи.\n\n"
            "Задайте его здесь (ссылка действует до {until}):\n{link}\n\n"
            "Если это были не вы, просто не отвечайте на это письмо: пароль останется прежним.\n"
        ),
        "reset.none.subject": "Новый пароль для Pavilion",
        "reset.none.body": (
            "Здравствуйте!\n\n"
            "Кто-то (надеемся, вы) попросил задать новый пароль для учётной записи Pavilion с этим "
            "адресом, но учётной записи с таким адресом нет.\n\n"
            "Если вы имели в виду другой адрес, запросите ссылку для него: {forgot}\n"
            "Создать учётную запись с этим адресом: {signup}\n\n"
            "Если это были не вы, просто не отвечайте на это письмо.\n"
        ),
        "signup.subject": "Завершите регистрацию в Pavilion",
        "signup.body": (
            "Здравствуйте, {name}!\n\n"
            "Кто-то (надеемся, вы) зарегистрировался в Pavilion с этим адресом. Чтобы завершить "
            "создание учётной записи и войти, откройте ссылку (она действует до {until}):\n"
            "{link}\n\n"
            "Если это были не вы, просто не отвечайте на это письмо: учётная запись не будет "
            "создана.\n"
        ),
        "signup.taken.subject": "Кто-то пытался зарегистрироваться в Pavilion с вашим адресом",
        "signup.taken.body": (
            "Здравствуйте, {name}!\n\n"
            "Кто-то (возможно, вы) пытался создать новую учётную запись Pavilion с этим адресом. "
            "Учётная запись у вас уже есть, поэтому ничего не создано и в вашей записи ничего не "
            "изменилось.\n\n"
            "Войти: {signin}\n"
            "Забыли пароль? Задайте новый: {forgot}\n\n"
            "Если это были не вы, просто не отвечайте на это письмо.\n"
        ),
        "people.subject": "Ваша учётная запись: {place}",
        "people.body": (
            "Здравствуйте, {name}!\n\n"
            "Для вас создана учётная запись в Pavilion. Ваша роль — {role}: {scope}.\n\n"
            "Выберите пароль для входа (ссылка действует до {until}):\n{link}\n\n"
            "Если срок истёк, запросите новую ссылку на странице входа "
            "(«Забыли пароль?»).\n"
        ),
        "notice.link": "Открыть: {link}\n",
        "notice.seat_offered.subject": "Для вас освободилось место: {title}",
        "notice.seat_offered.body": (
            "Здравствуйте, {name}!\n\n"
            "На «{title}» ({when}) освободилось место. Оно закреплено за вами до {deadline}: "
            "подтвердите его на странице сессии, иначе оно перейдёт следующему в очереди.\n"
        ),
        "notice.session_moved.subject": "Новое время: {title}",
        "notice.session_moved.body": (
            "Здравствуйте, {name}!\n\n"
            "«{title}» перенесена. Теперь: {when} (в городе проведения: {host}).\n"
            "Прежнее начало: {was_starts_at}.\n"
        ),
        "notice.session_cancelled.subject": "Отменено: {title}",
        "notice.session_cancelled.body": (
            "Здравствуйте, {name}!\n\n«{title}», запланированная на {when}, отменена.\n"
        ),
        "notice.session_restored.subject": "Снова в программе: {title}",
        "notice.session_restored.body": (
            "Здравствуйте, {name}!\n\n«{title}» снова в программе: {when} "
            "(в городе проведения: {host}). Ваша регистрация сохранена.\n"
        ),
        "notice.session_delayed.subject": "Задержка {minutes} мин: {title}",
        "notice.session_delayed.body": (
            "Здравствуйте, {name}!\n\n"
            "Марафон задерживается на {minutes} мин. «{title}» теперь: {when} "
            "(в городе проведения: {host}).\n"
        ),
        "notice.reminder.subject": "Скоро: {title}",
        "notice.reminder.body": (
            "Здравствуйте, {name}!\n\n«{title}», на которую вы зарегистрированы, начинается "
            "{when} (в городе проведения: {host}).\n"
        ),
        "notice.invited.subject": "Приглашение: {title}",
        "notice.invited.body": (
            "Здравствуйте, {name}!\n\nВы приглашены на закрытую сессию «{title}», {when}.\n"
        ),
        "notice.role_granted.subject": "Ваша роль — {role}: {scope}",
        "notice.role_granted.body": ("Здравствуйте, {name}!\n\nВаша роль — {role}: {scope}.\n"),
        "notice.role_withdrawn.subject": "Роль снята — {role}: {scope}",
        "notice.role_withdrawn.body": (
            "Здравствуйте, {name}!\n\nС вас снята роль «{role}»: {scope}.\n"
        ),
        "role.organiser": "организатор",
        "role.door": "контроль на входе",
        "role.moderator": "модератор",
        "role.speaker": "спикер",
        "role.exhibitor": "сотрудник стенда",
        # --- invitations to closed sessions ---
        "invite.subject": "Приглашение: {title}",
        "invite.hello": "Здравствуйте, {name}!",
        "invite.hello.anonymous": "Здравствуйте!",
        "invite.city": ", местное время ({city})",
        "invite.body": (
            "{hello}\n\n"
            "Вы приглашены на закрытую сессию «{title}» форума «{forum}».\n\n"
            "Когда: {when}{city}.\n\n"
            "Принять приглашение (ссылка действует до {until}):\n{link}\n\n"
            "Войдите или создайте учётную запись, затем примите приглашение "
            "и зарегистрируйтесь на сессию.\n"
        ),
    },
}


def language(code: str | None) -> str:
    return code if code in LANGUAGES else "en"


def t(lang: str, key: str, **params: object) -> str:
    return TEXTS[language(lang)][key].format(**params)


def with_signature(lang: str, body: str) -> str:
    return f"{body}\n— {t(lang, 'signature')}\n"


def moment(instant: datetime, zone: str, lang: str) -> str:
    """ "Tuesday, 30 March 2027, 10:00 (Europe/Berlin)": an instant in a zone, in a language."""
    local = instant.astimezone(ZoneInfo(zone))
    locale = _LOCALES[language(lang)]
    return f"{format_date(local, 'full', locale=locale)}, {format_time(local, 'HH:mm')} ({zone})"


def span(start: datetime, end: datetime, zone: str, lang: str) -> str:
    """ "Tuesday, 30 March 2027, 10:00–10:30 (Europe/Berlin)"."""
    local_start, local_end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    locale = _LOCALES[language(lang)]
    day = format_date(local_start, "full", locale=locale)
    until = format_time(local_end, "HH:mm")
    if local_end.date() != local_start.date():
        until = f"{format_date(local_end, 'full', locale=locale)}, {until}"
    hours = f"{format_time(local_start, 'HH:mm')}–{until}"
    return f"{day}, {hours} ({zone})"
