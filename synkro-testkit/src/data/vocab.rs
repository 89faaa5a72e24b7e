//! Synthetic names and texts. No real personal data: names are common first names and surnames
//! combined at random, companies are invented, phones are in fictional ranges.

/// First names with whether they are female (the surname takes the feminine form).
pub(crate) const FIRST_NAMES: &[(&str, bool)] = &[
    ("Анна", true),
    ("Алексей", false),
    ("Мария", true),
    ("Дмитрий", false),
    ("Ольга", true),
    ("Сергей", false),
    ("Елена", true),
    ("Андрей", false),
    ("Ирина", true),
    ("Иван", false),
    ("Татьяна", true),
    ("Михаил", false),
    ("Наталья", true),
    ("Павел", false),
    ("Светлана", true),
    ("Николай", false),
    ("Юлия", true),
    ("Артём", false),
    ("Екатерина", true),
    ("Кирилл", false),
];

/// "Имя Фамилия" with the surname agreeing with the first name.
pub(crate) fn full_name(first: usize, surname: usize) -> String {
    let (name, female) = FIRST_NAMES[first % FIRST_NAMES.len()];
    let surname = SURNAMES[surname % SURNAMES.len()];
    if female {
        format!("{name} {surname}а")
    } else {
        format!("{name} {surname}")
    }
}

pub(crate) const SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
];

pub(crate) const COMPANIES: &[&str] = &[
    "Альфа-Строй",
    "Вектор",
    "ТехноПром",
    "Северный ветер",
    "Горизонт",
    "Меридиан",
    "СтройМаркет",
    "Экспресс-Логистик",
    "Гранит",
    "Радуга",
    "Прайм Фуд",
    "ИнжКом",
];

pub(crate) const CLIENT_OPENERS: &[&str] = &[
    "Здравствуйте! Сколько стоит доставка до склада?",
    "Добрый день, нужен счёт на 20 единиц",
    "Подскажите, есть ли в наличии артикул 4512?",
    "Хотим заказать партию, какие сроки?",
    "Здравствуйте, когда будет готов заказ?",
    "Можно прайс на следующий месяц?",
    "Нам нужна консультация по монтажу",
    "Добрый вечер! Оплатили счёт, когда отгрузка?",
];

pub(crate) const CLIENT_FOLLOWUPS: &[&str] = &[
    "И ещё вопрос по оплате",
    "Можно с НДС?",
    "Уточните, пожалуйста, по срокам",
    "Хорошо, жду счёт",
    "А если взять больше, будет скидка?",
    "Пришлите, пожалуйста, договор",
];

pub(crate) const CLIENT_ACKS: &[&str] = &[
    "Спасибо!",
    "ок",
    "Спасибо большое 👍",
    "понял, спасибо",
    "+",
    "👍",
];

pub(crate) const MANAGER_REPLIES: &[&str] = &[
    "Добрый день! Сейчас уточню и вернусь с ответом.",
    "Здравствуйте! Да, в наличии, могу выставить счёт сегодня.",
    "Отправил прайс на почту, посмотрите, пожалуйста.",
    "Сроки — 3 рабочих дня после оплаты.",
    "Скидка от 50 единиц — 5%.",
    "Договор во вложении.",
    "Отгрузка запланирована на завтра, пришлю трек-номер.",
    "Спасибо за заказ! Счёт во вложении.",
];

pub(crate) const BOT_REPLIES: &[&str] = &[
    "Спасибо за обращение! Менеджер ответит в рабочее время: пн–пт, 9:00–19:00.",
    "Ваше сообщение получено. Номер обращения будет отправлен отдельно.",
];

pub(crate) const LOSS_REASONS: &[&str] = &[
    "Дорого",
    "Выбрали конкурента",
    "Нет бюджета",
    "Не дозвонились",
];
