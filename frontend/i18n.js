// Every string a person can see, in English and Russian, and the current language.
//
// The language comes from the URL (`lang=ru|en`), else from the browser (ru* → ru, else en).
// `setLang` is called by state.js when the URL changes; it fires `change` on `i18n`
// so that components re-render their labels.

export const LANGS = ["en", "ru"];

export const dictionary = {
  en: {
    "app.name": "Pavilion",
    "app.tagline": "Open platform for hybrid industrial forums",
    "app.skip": "Skip to the program",

    "lang.label": "Language",
    "lang.en": "English",
    "lang.ru": "Русский",

    "forum.dates": "{dates} · {city}",
    "forums.title": "Forums",
    "forums.all": "All forums",
    "forums.empty": "No forums have been published yet.",
    "forums.loading": "Loading forums…",
    "forums.error": "Could not load the list of forums: {message}",

    "forum.loading": "Loading the forum…",
    "forum.error": "Could not load the forum: {message}",

    "tz.label": "Time zone",
    "tz.hint": "Type a city or a zone such as Asia/Jakarta, then press Enter.",
    "tz.forum": "Forum time ({zone})",
    "tz.mine": "My time ({zone})",
    "tz.unknown": "“{value}” is not a time zone we know. Pick one from the list, e.g. Europe/Berlin.",
    "tz.changed": "Times are now shown in {zone}.",

    "program.title": "Program",
    "program.zoneNote": "All times in {zone} ({abbr}, UTC{offset}). Where a session is hosted from another city, its local time is shown below.",
    "program.zoneNoteShort": "All times in {zone}.",
    "program.days": "Days of the forum",
    "program.dayN": "Day {n}",
    "program.loading": "Loading the program…",
    "program.error": "Could not load the program: {message}",
    "program.retry": "Try again",
    "program.empty": "No sessions on {day} match these filters.",
    "program.emptyAll": "The program has not been published yet.",
    "program.clear": "Clear filters",
    "program.count": {
      one: "{count} session",
      other: "{count} sessions",
    },
    "program.countOf": "{shown} of {total}",
    "program.hostTime": "Local time in the host city",
    "program.nextDay": "+1 day",
    "program.duration": "{minutes} min",
    "program.durationHours": "{hours} h {minutes} min",
    "program.durationHoursOnly": "{hours} h",

    "filter.legend": "Filter the program",
    "filter.venue": "Venue",
    "filter.type": "Type",
    "filter.format": "Format",
    "filter.allVenues": "All venues",
    "filter.allTypes": "All types",
    "filter.allFormats": "All formats",

    "session.back": "Back to program",
    "session.loading": "Loading the session…",
    "session.error": "Could not load the session: {message}",
    "session.yourTime": "Your time",
    "session.hostTime": "In {city}",
    "session.venue": "Venue",
    "session.online": "Online",
    "session.format": "Format",
    "session.access": "Access",
    "session.language": "Language",
    "session.capacity": "Places",
    "session.capacityOnsite": "On site: {count}",
    "session.capacityOnline": "Online: {count}",
    "session.unlimited": "no limit",
    "session.seats": {
      one: "{count} seat",
      other: "{count} seats",
    },
    "session.about": "About the session",
    "session.noAbstract": "The description will be published soon.",
    "session.speakers": "Speakers",
    "session.noSpeakers": "Speakers will be announced.",
    "session.siteVisit": "Site visit",
    "session.departure": "Departure",
    "session.departurePoint": "Meeting point",
    "session.addToCalendar": "Add to calendar",
    "session.calendarHint": "An .ics file for Google Calendar, Outlook or Apple Calendar; it keeps the time zone.",
    "session.backToMarathon": "Back to the marathon",
    "session.backToAgenda": "Back to my agenda",

    "account.label": "Your account",
    "account.signIn": "Sign in",
    "account.signOut": "Sign out",
    "account.agenda": "My agenda",
    "account.signedInAs": "Signed in as",
    "account.signOutFailed": "Could not sign out: {message}",

    "signin.title": "Sign in",
    "signin.intro": "Sign in to register for sessions and to see your agenda.",
    "signin.email": "Email",
    "signin.password": "Password",
    "signin.submit": "Sign in",
    "signin.busy": "Signing in…",
    "signin.error": "Could not sign in: {message}",
    "signin.rateLimited": "Too many failed attempts. Try again in {minutes} min.",
    "signin.emailMissing": "Enter your email.",
    "signin.passwordMissing": "Enter your password.",
    "signin.noAccount": "No account yet?",
    "signin.toSignup": "Create an account",
    "signin.already": "You are signed in as {name}.",
    "signin.continue": "Continue",
    "signin.cookieRefused": "The password was right, but this browser did not keep the sign-in cookie. Allow cookies for this site and try again.",

    "signup.title": "Create an account",
    "signup.intro": "One account for the whole forum: register for sessions on site or online and keep your agenda.",
    "signup.email": "Email",
    "signup.password": "Password",
    "signup.passwordHint": "At least 10 characters.",
    "signup.name": "Name",
    "signup.organisation": "Organisation (optional)",
    "signup.country": "Country (optional)",
    "signup.countryHint": "Two letters, e.g. DE or KZ.",
    "signup.language": "Language of letters and reminders",
    "signup.tz": "Your time zone",
    "signup.tzHint": "A city or a zone such as Europe/Berlin.",
    "signup.submit": "Create account",
    "signup.busy": "Creating your account…",
    "signup.error": "Could not create the account: {message}",
    "signup.fix": "Please correct the marked fields.",
    "signup.emailInvalid": "Enter an email address such as name@example.com.",
    "signup.passwordShort": "The password needs at least 10 characters.",
    "signup.nameMissing": "Enter your name.",
    "signup.countryInvalid": "Use the two-letter code of a country, e.g. DE.",
    "signup.tzUnknown": "“{value}” is not a time zone we know. Try e.g. Europe/Berlin.",
    "signup.haveAccount": "Already have an account?",
    "signup.toSignin": "Sign in",

    "registration.title": "Registration",
    "registration.seatsLabel": "Seats left",
    "registration.seatsLeft": {
      one: "{count} seat left",
      other: "{count} seats left",
    },
    "registration.noLimit": "no limit",
    "registration.full": "full: new registrations join the waitlist",
    "registration.seatsError": "Could not load the seats left: {message}",
    "registration.loading": "Checking your registration…",
    "registration.signIn": "Sign in to register",
    "registration.register.onsite": "Register on site",
    "registration.register.online": "Register online",
    "registration.inviteOnly": "By invitation only",
    "registration.inviteOnlyHint": "Only invited guests can register for this closed session.",
    "registration.over": "Registration for this session is closed.",
    "registration.yours": "Your registration",
    "registration.status.confirmed": "Confirmed",
    "registration.status.waitlisted": "Waitlisted",
    "registration.status.offered": "Seat offered",
    "registration.status.cancelled": "Cancelled",
    "registration.status.expired": "Offer expired",
    "registration.confirmed": "Your seat is confirmed.",
    "registration.position": "You are {position} on the waitlist.",
    "registration.offered": "A seat has come free for you: accept it by {deadline}, or it goes to the next in line.",
    "registration.expired": "The seat offered to you was not taken in time. You can register again.",
    "registration.accept": "Accept the seat",
    "registration.cancel": "Cancel registration",
    "registration.confirmCancel": "Cancel your registration? Your place goes to the next person in line.",
    "registration.confirmYes": "Yes, cancel it",
    "registration.confirmNo": "Keep my registration",
    "registration.cancelled": "Your registration is cancelled.",
    "registration.failed": "That did not work: {message}",

    "agenda.title": "My agenda",
    "agenda.loading": "Loading your agenda…",
    "agenda.error": "Could not load your agenda: {message}",
    "agenda.empty": "You have not registered for anything yet.",
    "agenda.toProgram": "Browse the program",
    "agenda.signIn": "Sign in to see the sessions you have registered for.",
    "agenda.zoneNote": "All times in {zone}. Where a session is hosted from another city, its local time is shown below.",
    "agenda.overlaps": "Overlaps with {titles}",
    "agenda.offeredUntil": "Seat held for you until {deadline}",
    "agenda.departure": "Departure at {time} from {point}",
    "agenda.count": {
      one: "{count} session",
      other: "{count} sessions",
    },

    "marathon.kicker": "Marathon",
    "marathon.banner": "Marathons of the forum",
    "marathon.pitch": "A day-long live relay from capital cities on one stream",
    "marathon.back": "Back to program",
    "marathon.loading": "Loading the marathon…",
    "marathon.error": "Could not load the marathon: {message}",
    "marathon.stale": "The times may be out of date; they could not be refreshed: {message}",
    "marathon.empty": "No segments have been planned for this marathon yet.",
    "marathon.intro": "One stream, one day: each segment goes out live from a capital city, then hands over to the next one further west.",
    "marathon.capitals": {
      one: "{count} capital",
      other: "{count} capitals",
    },
    "marathon.handoverMinutes": "{minutes}-minute handovers",
    "marathon.liveNow": "Live now: {city}",
    "marathon.until": "on air until {time}",
    "marathon.next": "Next: {city} in {duration}",
    "marathon.nextOn": "Next: {city} on {day} at {time}",
    "marathon.first": "Starts with {city} in {duration}",
    "marathon.firstOn": "Starts with {city} on {day} at {time}",
    "marathon.phase.before": "The marathon has not started yet.",
    "marathon.phase.handover": "Handover: the stream is passing to the next capital.",
    "marathon.phase.after": "The marathon is over. Thank you for watching!",
    "marathon.timeline": "The day",
    "marathon.zoneNote": "Your time: {zone} ({abbr}). Under it, the host city's local time.",
    "marathon.now": "Now",
    "marathon.yourTime": "Your time",
    "marathon.hostTime": "Local time in {city}",
    "marathon.strip": "Time in the capitals",
    "marathon.eastToWest": "From east to west, now.",
    "marathon.onAir": "On air {range}",
    "marathon.order": "Running order",
    "marathon.segmentN": "Segment {n}",
    "marathon.shortened": "planned {minutes} min",

    "export.title": "Subscribe / export",
    "export.ics": "Whole program (iCalendar)",
    "export.frab": "Schedule (frab JSON)",
    "export.jsonld": "Linked data (JSON-LD)",
    "export.api": "API reference",

    "error.network": "the server cannot be reached; check your connection.",
    "error.http": "the server answered with status {status}.",

    "type.strategic_session": "Strategic session",
    "type.plenary": "Plenary session",
    "type.panel": "Panel discussion",
    "type.round_table": "Round table",
    "type.expert_session": "Expert session",
    "type.practical_session": "Practical session",
    "type.project_defence": "Project defence",
    "type.site_visit": "Site visit",
    "type.workshop": "Workshop",
    "type.networking": "Networking",
    "type.concert": "Concert",

    "format.onsite": "On site",
    "format.online": "Online",
    "format.hybrid": "Hybrid",
    "badge.onsite": "On site only",
    "badge.online": "Online only",
    "badge.hybrid": "On site + online",

    "access.public": "Open to all",
    "access.registered": "Registration required",
    "access.invite_only": "Closed · by invitation",

    "status.scheduled": "Scheduled",
    "status.live": "Live now",
    "status.ended": "Ended",
    "status.cancelled": "Cancelled",
    "status.delayed": "Delayed",

    "role.moderator": "Moderator",
    "role.speaker": "Speaker",
    "role.expert": "Expert",
    "role.host": "Host",
    "role.performer": "Performer",
    "role.jury": "Jury",

    "presence.onsite": "On site",
    "presence.remote": "Remote",

    "kind.hall": "Hall",
    "kind.channel": "Online channel",
    "kind.site": "Off-site venue",

    "language.ru": "Russian",
    "language.en": "English",
    "language.ru/en": "Russian and English (interpreted)",
  },

  ru: {
    "app.name": "Павильон",
    "app.tagline": "Открытая платформа для гибридных промышленных форумов",
    "app.skip": "Перейти к программе",

    "lang.label": "Язык",
    "lang.en": "English",
    "lang.ru": "Русский",

    "forum.dates": "{dates} · {city}",
    "forums.title": "Форумы",
    "forums.all": "Все форумы",
    "forums.empty": "Пока не опубликовано ни одного форума.",
    "forums.loading": "Загружаем список форумов…",
    "forums.error": "Не удалось загрузить список форумов: {message}",

    "forum.loading": "Загружаем форум…",
    "forum.error": "Не удалось загрузить форум: {message}",

    "tz.label": "Часовой пояс",
    "tz.hint": "Введите город или пояс, например Asia/Jakarta, и нажмите Enter.",
    "tz.forum": "Время форума ({zone})",
    "tz.mine": "Моё время ({zone})",
    "tz.unknown": "Часовой пояс «{value}» не найден. Выберите его из списка, например Europe/Moscow.",
    "tz.changed": "Время показано в поясе {zone}.",

    "program.title": "Программа",
    "program.zoneNote": "Время указано в поясе {zone} ({abbr}, UTC{offset}). Если сессию ведут из другого города, ниже указано местное время этого города.",
    "program.zoneNoteShort": "Время указано в поясе {zone}.",
    "program.days": "Дни форума",
    "program.dayN": "День {n}",
    "program.loading": "Загружаем программу…",
    "program.error": "Не удалось загрузить программу: {message}",
    "program.retry": "Повторить",
    "program.empty": "В программе на {day} нет сессий, подходящих под эти фильтры.",
    "program.emptyAll": "Программа ещё не опубликована.",
    "program.clear": "Сбросить фильтры",
    "program.count": {
      one: "{count} сессия",
      few: "{count} сессии",
      many: "{count} сессий",
      other: "{count} сессии",
    },
    "program.countOf": "{shown} из {total}",
    "program.hostTime": "Местное время в городе-организаторе",
    "program.nextDay": "+1 день",
    "program.duration": "{minutes} мин",
    "program.durationHours": "{hours} ч {minutes} мин",
    "program.durationHoursOnly": "{hours} ч",

    "filter.legend": "Фильтры программы",
    "filter.venue": "Площадка",
    "filter.type": "Тип сессии",
    "filter.format": "Формат участия",
    "filter.allVenues": "Все площадки",
    "filter.allTypes": "Все типы",
    "filter.allFormats": "Любой формат",

    "session.back": "Назад к программе",
    "session.loading": "Загружаем сессию…",
    "session.error": "Не удалось загрузить сессию: {message}",
    "session.yourTime": "Ваше время",
    "session.hostTime": "{city}",
    "session.venue": "Площадка",
    "session.online": "Онлайн",
    "session.format": "Формат участия",
    "session.access": "Доступ",
    "session.language": "Язык",
    "session.capacity": "Места",
    "session.capacityOnsite": "В зале: {count}",
    "session.capacityOnline": "Онлайн: {count}",
    "session.unlimited": "без ограничений",
    "session.seats": {
      one: "{count} место",
      few: "{count} места",
      many: "{count} мест",
      other: "{count} места",
    },
    "session.about": "О сессии",
    "session.noAbstract": "Описание скоро появится.",
    "session.speakers": "Спикеры",
    "session.noSpeakers": "Спикеры будут объявлены позже.",
    "session.siteVisit": "Выезд",
    "session.departure": "Отправление",
    "session.departurePoint": "Место сбора",
    "session.addToCalendar": "Добавить в календарь",
    "session.calendarHint": "Файл .ics для Google Календаря, Outlook или Календаря Apple; часовой пояс сохранится.",
    "session.backToMarathon": "Назад к марафону",
    "session.backToAgenda": "Назад к моей программе",

    "account.label": "Ваш аккаунт",
    "account.signIn": "Войти",
    "account.signOut": "Выйти",
    "account.agenda": "Моя программа",
    "account.signedInAs": "Вы вошли как",
    "account.signOutFailed": "Не удалось выйти: {message}",

    "signin.title": "Вход",
    "signin.intro": "Войдите, чтобы регистрироваться на сессии и видеть свою программу.",
    "signin.email": "Электронная почта",
    "signin.password": "Пароль",
    "signin.submit": "Войти",
    "signin.busy": "Входим…",
    "signin.error": "Не удалось войти: {message}",
    "signin.rateLimited": "Слишком много неудачных попыток. Попробуйте снова через {minutes} мин.",
    "signin.emailMissing": "Введите адрес электронной почты.",
    "signin.passwordMissing": "Введите пароль.",
    "signin.noAccount": "Ещё нет аккаунта?",
    "signin.toSignup": "Зарегистрироваться",
    "signin.already": "Вы вошли как {name}.",
    "signin.continue": "Продолжить",
    "signin.cookieRefused": "Пароль верный, но браузер не сохранил cookie входа. Разрешите cookie для этого сайта и попробуйте снова.",

    "signup.title": "Регистрация на платформе",
    "signup.intro": "Один аккаунт на весь форум: регистрируйтесь на сессии очно или онлайн и ведите свою программу.",
    "signup.email": "Электронная почта",
    "signup.password": "Пароль",
    "signup.passwordHint": "Не короче 10 символов.",
    "signup.name": "Имя и фамилия",
    "signup.organisation": "Организация (необязательно)",
    "signup.country": "Страна (необязательно)",
    "signup.countryHint": "Две латинские буквы, например RU или KZ.",
    "signup.language": "Язык писем и напоминаний",
    "signup.tz": "Ваш часовой пояс",
    "signup.tzHint": "Город или пояс, например Europe/Moscow.",
    "signup.submit": "Создать аккаунт",
    "signup.busy": "Создаём аккаунт…",
    "signup.error": "Не удалось создать аккаунт: {message}",
    "signup.fix": "Исправьте отмеченные поля.",
    "signup.emailInvalid": "Введите адрес вида name@example.com.",
    "signup.passwordShort": "Пароль должен быть не короче 10 символов.",
    "signup.nameMissing": "Введите имя.",
    "signup.countryInvalid": "Укажите двухбуквенный код страны, например RU.",
    "signup.tzUnknown": "Часовой пояс «{value}» не найден. Например: Europe/Moscow.",
    "signup.haveAccount": "Уже есть аккаунт?",
    "signup.toSignin": "Войти",

    "registration.title": "Регистрация",
    "registration.seatsLabel": "Свободные места",
    "registration.seatsLeft": {
      one: "{count} свободное место",
      few: "{count} свободных места",
      many: "{count} свободных мест",
      other: "{count} свободного места",
    },
    "registration.noLimit": "без ограничений",
    "registration.full": "мест нет: новые заявки попадают в лист ожидания",
    "registration.seatsError": "Не удалось узнать число свободных мест: {message}",
    "registration.loading": "Проверяем вашу регистрацию…",
    "registration.signIn": "Войдите, чтобы зарегистрироваться",
    "registration.register.onsite": "Зарегистрироваться очно",
    "registration.register.online": "Зарегистрироваться онлайн",
    "registration.inviteOnly": "Только по приглашениям",
    "registration.inviteOnlyHint": "На эту закрытую сессию могут зарегистрироваться только приглашённые.",
    "registration.over": "Регистрация на эту сессию закрыта.",
    "registration.yours": "Ваша регистрация",
    "registration.status.confirmed": "Подтверждена",
    "registration.status.waitlisted": "В листе ожидания",
    "registration.status.offered": "Место предложено",
    "registration.status.cancelled": "Отменена",
    "registration.status.expired": "Предложение истекло",
    "registration.confirmed": "Ваше место подтверждено.",
    "registration.position": "Вы {position} в листе ожидания.",
    "registration.offered": "Для вас освободилось место: подтвердите его до {deadline}, иначе оно перейдёт следующему в очереди.",
    "registration.expired": "Предложенное место не было подтверждено вовремя. Можно зарегистрироваться снова.",
    "registration.accept": "Занять место",
    "registration.cancel": "Отменить регистрацию",
    "registration.confirmCancel": "Отменить регистрацию? Ваше место перейдёт следующему в очереди.",
    "registration.confirmYes": "Да, отменить",
    "registration.confirmNo": "Оставить регистрацию",
    "registration.cancelled": "Ваша регистрация отменена.",
    "registration.failed": "Не получилось: {message}",

    "agenda.title": "Моя программа",
    "agenda.loading": "Загружаем вашу программу…",
    "agenda.error": "Не удалось загрузить вашу программу: {message}",
    "agenda.empty": "Вы пока ни на что не зарегистрировались.",
    "agenda.toProgram": "Открыть программу форума",
    "agenda.signIn": "Войдите, чтобы увидеть сессии, на которые вы зарегистрировались.",
    "agenda.zoneNote": "Время указано в поясе {zone}. Если сессию ведут из другого города, ниже указано местное время этого города.",
    "agenda.overlaps": "Пересекается с: {titles}",
    "agenda.offeredUntil": "Место держится за вами до {deadline}",
    "agenda.departure": "Отправление в {time}, место сбора: {point}",
    "agenda.count": {
      one: "{count} сессия",
      few: "{count} сессии",
      many: "{count} сессий",
      other: "{count} сессии",
    },

    "marathon.kicker": "Марафон",
    "marathon.banner": "Марафоны форума",
    "marathon.pitch": "Прямая эстафета столиц длиной в день на одной трансляции",
    "marathon.back": "Назад к программе",
    "marathon.loading": "Загружаем марафон…",
    "marathon.error": "Не удалось загрузить марафон: {message}",
    "marathon.stale": "Время могло устареть — обновить его не удалось: {message}",
    "marathon.empty": "В этом марафоне пока не запланировано ни одного включения.",
    "marathon.intro": "Одна трансляция, один день: каждое включение идёт в прямом эфире из столицы, а затем эфир переходит к следующей — западнее.",
    "marathon.capitals": {
      one: "{count} столица",
      few: "{count} столицы",
      many: "{count} столиц",
      other: "{count} столицы",
    },
    "marathon.handoverMinutes": "передача эфира {minutes} мин",
    "marathon.liveNow": "Сейчас в эфире: {city}",
    "marathon.until": "в эфире до {time}",
    "marathon.next": "Далее: {city} через {duration}",
    "marathon.nextOn": "Далее: {city}, {day}, в {time}",
    "marathon.first": "Начнём с города {city} через {duration}",
    "marathon.firstOn": "Начнём с города {city}: {day}, в {time}",
    "marathon.phase.before": "Марафон ещё не начался.",
    "marathon.phase.handover": "Передача эфира: трансляция переходит к следующей столице.",
    "marathon.phase.after": "Марафон завершён. Спасибо, что были с нами!",
    "marathon.timeline": "День марафона",
    "marathon.zoneNote": "Ваше время: {zone} ({abbr}). Под ним — местное время города-ведущего.",
    "marathon.now": "Сейчас",
    "marathon.yourTime": "Ваше время",
    "marathon.hostTime": "Местное время, {city}",
    "marathon.strip": "Время в столицах",
    "marathon.eastToWest": "С востока на запад, сейчас.",
    "marathon.onAir": "В эфире {range}",
    "marathon.order": "Порядок включений",
    "marathon.segmentN": "Включение {n}",
    "marathon.shortened": "по плану {minutes} мин",

    "export.title": "Подписка и экспорт",
    "export.ics": "Вся программа (iCalendar)",
    "export.frab": "Расписание (frab JSON)",
    "export.jsonld": "Связанные данные (JSON-LD)",
    "export.api": "Описание API",

    "error.network": "сервер недоступен, проверьте подключение.",
    "error.http": "сервер ответил с кодом {status}.",

    "type.strategic_session": "Стратегическая сессия",
    "type.plenary": "Пленарное заседание",
    "type.panel": "Панельная дискуссия",
    "type.round_table": "Круглый стол",
    "type.expert_session": "Экспертная сессия",
    "type.practical_session": "Практическая сессия",
    "type.project_defence": "Защита проектов",
    "type.site_visit": "Выезд на предприятие",
    "type.workshop": "Мастер-класс",
    "type.networking": "Нетворкинг",
    "type.concert": "Концерт",

    "format.onsite": "Очно",
    "format.online": "Онлайн",
    "format.hybrid": "Очно и онлайн",
    "badge.onsite": "Только очно",
    "badge.online": "Только онлайн",
    "badge.hybrid": "Очно и онлайн",

    "access.public": "Свободный вход",
    "access.registered": "Нужна регистрация",
    "access.invite_only": "Закрытая · по приглашениям",

    "status.scheduled": "По расписанию",
    "status.live": "Идёт сейчас",
    "status.ended": "Завершена",
    "status.cancelled": "Отменена",
    "status.delayed": "Задерживается",

    "role.moderator": "Модератор",
    "role.speaker": "Спикер",
    "role.expert": "Эксперт",
    "role.host": "Ведущий",
    "role.performer": "Исполнитель",
    "role.jury": "Жюри",

    "presence.onsite": "На площадке",
    "presence.remote": "Удалённо",

    "kind.hall": "Зал",
    "kind.channel": "Онлайн-канал",
    "kind.site": "Выездная площадка",

    "language.ru": "Русский",
    "language.en": "Английский",
    "language.ru/en": "Русский и английский (синхронный перевод)",

    "zone.MSK": "МСК",
  },
};

export const i18n = new EventTarget();

/** The language asked for by the URL, else the browser's (ru* → ru, anything else → en). */
export function detectLang(search = location.search, browser = navigator.language) {
  const asked = new URLSearchParams(search).get("lang");
  if (LANGS.includes(asked)) return asked;
  return (browser || "").toLowerCase().startsWith("ru") ? "ru" : "en";
}

let current = detectLang();
document.documentElement.lang = current;

export function lang() {
  return current;
}

/** Switch the language of the page; components listening to `change` re-render. */
export function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  current = next;
  document.documentElement.lang = next;
  i18n.dispatchEvent(new CustomEvent("change", { detail: { lang: next } }));
}

const ORDINAL_EN = { one: "st", two: "nd", few: "rd", other: "th" };

/** A place in a line: 3 → "3rd" / "3-й". */
export function ordinal(n) {
  if (current === "ru") return `${n}-й`;
  return `${n}${ORDINAL_EN[new Intl.PluralRules("en", { type: "ordinal" }).select(n)]}`;
}

/** Whether the dictionary has this key in the current language. */
export function has(key) {
  return key in dictionary[current];
}

/**
 * The text for `key` in the current language, with `{name}` replaced from `params`.
 * A plural entry (an object of Intl.PluralRules categories) is chosen by `params.count`.
 */
export function t(key, params = {}) {
  let entry = dictionary[current][key] ?? dictionary.en[key];
  if (entry === undefined) {
    console.warn(`i18n: no text for ${key}`);
    return key;
  }
  if (typeof entry === "object") {
    const category = new Intl.PluralRules(current).select(Number(params.count ?? 0));
    entry = entry[category] ?? entry.other;
  }
  return entry.replace(/\{(\w+)\}/g, (whole, name) =>
    name in params ? String(params[name]) : whole,
  );
}
