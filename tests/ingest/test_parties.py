"""The parties stage of extraction: persons, organizations and groups in a sentence, their roles
around a trigger, the reporters of an article, the victim count, and registry/list matching.
Sentences are written for these tests (and the project's seed article)."""

from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from svidok.ingest.extraction import parties as P
from svidok.ingest.extraction.shapes import Party, Sentence, Trigger
from svidok.names.index import MatchIndex
from svidok.names.shapes import make_entry

SEED = Path(settings.DATA_DIR) / "news" / "seed-article.txt"


@pytest.fixture(scope="module")
def models():
    return P.Models.load()


def found(sentence, language, models, offset=0):
    return [(p.as_written, p.kind) for p in P.find_parties(sentence, offset, language, models)]


def roles(sentence, trigger, language, models):
    start = sentence.index(trigger)
    parties = P.find_parties(sentence, 0, language, models)
    return [(p.as_written, p.role) for p in P.assign_roles(parties, sentence, (start, start + len(trigger)),
                                                            language=language, models=models)]


# -- find_parties ----------------------------------------------------------------------------------

def test_find_parties_ukrainian_person_loses_the_place_and_title_before_it(models):
    sentence = "Голова Криму Сергій Аксьонов заявив журналістам про вибори."
    assert found(sentence, "uk", models) == [("Сергій Аксьонов", "person"), ("журналістам", "group")]


def test_find_parties_russian_person_loses_the_place_and_title_before_it(models):
    sentence = "Глава Крыма Сергей Аксёнов встретился с пенсионерами."
    assert found(sentence, "ru", models) == [("Сергей Аксёнов", "person"), ("пенсионерами", "group")]


def test_find_parties_spans_are_offsets_in_the_article(models):
    article = "Первое предложение. Глава Крыма Сергей Аксёнов приехал."
    start = article.index("Глава")
    (person,) = P.find_parties(article[start:], start, "ru", models)
    assert article[person.start:person.end] == "Сергей Аксёнов"


def test_find_parties_russian_organization_with_its_country_is_one_party(models):
    sentence = "ФСБ России задержала активиста в Симферополе."
    assert found(sentence, "ru", models) == [("ФСБ России", "organization"), ("активиста", "group")]


def test_find_parties_quoted_organization_name_is_kept_whole(models):
    sentence = "Как сообщает «Крымская правозащитная группа», родителей вызывали в школу."
    assert found(sentence, "ru", models) == [("Крымская правозащитная группа", "organization"), ("родителей", "group")]


def test_find_parties_group_phrase_keeps_its_genitive_complement(models):
    sentence = "Озброєні групи окупантів погрожують мешканцям багатоповерхівок."
    assert found(sentence, "uk", models) == [("Озброєні групи окупантів", "group"), ("мешканцям багатоповерхівок", "group")]


def test_find_parties_english_organizations_groups_and_no_place_or_month(models):
    sentence = ("According to the Crimean Human Rights Group, officers of the FSB detained three activists "
                "in Simferopol on March 18.")
    assert found(sentence, "en", models) == [
        ("Crimean Human Rights Group", "organization"), ("officers of the FSB", "group"), ("three activists in Simferopol", "group"),
    ]


def test_find_parties_english_title_before_a_name_is_not_the_name(models):
    sentence = "Melitopol Mayor Ivan Fedorov said that soldiers searched the homes of teachers."
    assert found(sentence, "en", models) == [
        ("Ivan Fedorov", "person"), ("soldiers", "group"), ("teachers", "group"),
    ]


def test_find_parties_english_so_called_commission_is_an_organization(models):
    sentence = 'Members of the so-called "election commission" went from door to door.'
    assert found(sentence, "en", models) == [('Members of the so-called "election commission"', "group")]
    assert found('They said the so-called "commission" came.', "en", models) == [('so-called "commission"', "organization")]


def test_find_parties_lowercase_organization_name_after_capital_adjective(models):
    sentence = "Російські силовики затримали журналіста Владислава Єсипенка, повідомляє Кримська правозахисна група."
    assert found(sentence, "uk", models) == [
        ("Російські силовики", "group"), ("Владислава Єсипенка", "person"), ("Кримська правозахисна група", "organization"),
    ]


def test_find_parties_english_media_and_capitalised_modifier_of_a_group(models):
    sentence = "Local residents told Radio Liberty that Rosgvardia officers searched the house of activist Server Mustafayev."
    assert found(sentence, "en", models) == [
        ("Local residents", "group"), ("Radio Liberty", "organization"), ("Rosgvardia officers", "group"),
        ("Server Mustafayev", "person"),
    ]


def test_find_parties_english_capitalised_common_names_are_not_persons(models):
    assert found("The State Duma and the Security Council met before New Year near the Black Sea.", "en", models) == [
        ("State Duma", "organization"), ("Security Council", "organization"),
    ]
    assert found("Ukrainska Pravda reported that Lieutenant Colonel Ivan Petrenko guarded the station.", "en", models) == [
        ("Ukrainska Pravda", "organization"), ("Ivan Petrenko", "person"),
    ]


def test_find_parties_headline_in_title_case_gives_no_persons(models):
    assert found("Occupiers Hold Sham Vote In Melitopol Schools Under Guard", "en", models) == [("Occupiers", "group")]


def test_find_parties_natasha_person_that_is_a_body_or_starts_with_a_conjunction(models):
    sentence = "Рішення ухвалили Держдума і Радою Федерації затвердили його."
    assert ("Радою Федерації", "organization") in found(sentence, "uk", models)
    assert all(kind != "person" for _written, kind in found(sentence, "uk", models))


def test_find_parties_number_word_or_group_noun_does_not_make_a_name(models):
    sentence = "Five Ukrainians and the People's Council met in the square today."
    assert found(sentence, "en", models) == [("People's Council", "organization")]


def test_find_parties_modifier_must_agree_with_the_group_noun(models):
    assert found("По официальным данным властей, явка была высокой.", "ru", models) == [("властей", "organization")]


def test_find_parties_place_is_not_a_person(models):
    assert found("In Novy Melitopol nobody opened the doors.", "en", models) == []
    assert found("Старобільськ закрили на виїзд з понеділка.", "uk", models) == []


def test_find_parties_month_and_weekday_are_not_organizations(models):
    assert found("On Monday, March 18, the polls opened in Kerch.", "en", models) == []
    assert found("В марте и в апреле участки открывались рано.", "ru", models) == []


def test_find_parties_spans_given_as_places_are_left_out(models):
    sentence = "Voters in Nova Kakhovka queued."
    start = sentence.index("Nova")
    assert found(sentence, "en", models) == [("Voters in Nova Kakhovka", "group")]
    assert found_excluding(sentence, models, (start, start + len("Nova Kakhovka"))) == [("Voters", "group")]


def found_excluding(sentence, models, span):
    return [(p.as_written, p.kind) for p in P.find_parties(sentence, 0, "en", models, exclude=[span])]


def test_find_parties_surname_alone_refers_to_the_person_named_before(models):
    first = P.find_parties("Sergey Aksyonov visited a school in Kerch.", 0, "en", models)
    later = P.find_parties("Aksyonov's staff ordered teachers to vote.", 100, "en", models, known_persons=P.full_names(first))
    assert [(p.as_written, p.kind, p.refers_to) for p in later] == [
        ("Aksyonov", "person", "Sergey Aksyonov"), ("staff", "group", None), ("teachers", "group", None),
    ]


def test_find_parties_russian_inflected_surname_refers_to_the_person(models):
    known = P.full_names(P.find_parties("Глава Крыма Сергей Аксёнов приехал в Керчь.", 0, "ru", models))
    later = P.find_parties("Учителей к Аксёнову не пустили.", 0, "ru", models, known_persons=known)
    assert [(p.as_written, p.refers_to) for p in later] == [("Учителей", None), ("Аксёнову", "Сергей Аксёнов")]


def test_find_parties_reads_a_huge_sentence_in_pieces_with_true_offsets(models):
    filler = "and then nothing happened " * 120  # no full stop for 3,000 characters
    text = filler + "before three students were detained by the police"
    parties = P.find_parties(text, 10, "en", models)
    assert [(p.as_written, text[p.start - 10:p.end - 10]) for p in parties] == [
        ("three students", "three students"), ("the police", "the police"),
    ]


def test_find_parties_other_language_gives_nothing(models):
    assert P.find_parties("Qırımda saylav olıp keçti.", 0, "crh", models) == []


PIECES = st.sampled_from(["Сергей Аксёнов", "«Крымская правозащитная группа»", "the so-called \"commission\"", "ФСБ России",
                          "more than 100 employees", "двоє", "(КФУ)", "«", "»", "Mayor", ", said", "according to", "\u200b",
                          "\ufeff", "😀", "\n", " "])


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=8).map("".join),
       language=st.sampled_from(["en", "ru", "uk"]))
def test_find_parties_any_text_spans_cut_back_verbatim(text, language, models):
    parties = P.find_parties(text, 7, language, models)
    assert [text[p.start - 7:p.end - 7] for p in parties] == [p.as_written for p in parties]
    roled = P.assign_roles(parties, text, (7, 9), offset=7, language=language, models=models)
    assert {p.role for p in roled} <= {"", "victim", "perpetrator", "reporter"}
    P.reporters(text, language, None, models=models)
    P.victim_count(text, language, models=models)


# -- assign_roles ------------------------------------------------------------------------------------

def test_assign_roles_english_active_agent_before_object_after(models):
    sentence = "Officials of the city administration forced teachers to vote."
    assert roles(sentence, "forced", "en", models) == [
        ("Officials of the city administration", "perpetrator"), ("teachers", "victim"),
    ]


def test_assign_roles_english_passive_subject_is_victim_and_by_phrase_perpetrator(models):
    sentence = "Teachers were forced by the school principal to vote."
    assert roles(sentence, "forced", "en", models) == [("Teachers", "victim"), ("the school principal", "perpetrator")]


def test_assign_roles_english_passive_order_to_press_others_makes_the_subject_perpetrator(models):
    sentence = "The directors of three factories were ordered to bring their employees to the polls."
    assert roles(sentence, "ordered", "en", models) == [
        ("The directors of three factories", "perpetrator"), ("their employees", "victim"),
    ]


def test_assign_roles_russian_passive_order_to_press_others(models):
    sentence = "Директора школ были обязаны обеспечить явку родителей."
    assert roles(sentence, "обязаны", "ru", models) == [("Директора школ", "perpetrator"), ("родителей", "victim")]


def test_assign_roles_english_object_told_to_press_others_is_perpetrator(models):
    sentence = "The director instructed the teachers to warn the parents."
    assert roles(sentence, "instructed", "en", models) == [
        ("The director", "perpetrator"), ("the teachers", "perpetrator"), ("the parents", "victim"),
    ]


def test_assign_roles_agent_phrase_extends_over_and(models):
    sentence = "Residents were visited by armed men and members of the so-called commission."
    assert roles(sentence, "visited", "en", models) == [
        ("Residents", "victim"), ("armed men", "perpetrator"), ("members of the so-called commission", "perpetrator"),
    ]


def test_assign_roles_english_progressive_is_active(models):
    sentence = "The occupiers are preventing residents from leaving."
    assert roles(sentence, "preventing", "en", models) == [("The occupiers", "perpetrator"), ("residents", "victim")]


def test_find_parties_title_after_a_name_is_not_a_party(models):
    sentence = "Ivan Petrenko, head of the district administration, said that occupying forces searched homes."
    assert found(sentence, "en", models) == [("Ivan Petrenko", "person"), ("occupying forces", "group")]


def test_find_parties_capitalised_ballot_answer_is_not_an_organization(models):
    parties = found('The voters who ticked "NO" were followed by FSB officers.', "en", models)
    assert [written for written, _kind in parties if "NO" in written.split()] == []
    assert ("FSB officers", "group") in parties


def test_assign_roles_english_according_to_is_reporter(models):
    sentence = "According to QHA, the police detained two activists."
    assert roles(sentence, "detained", "en", models) == [
        ("QHA", "reporter"), ("the police", "perpetrator"), ("two activists", "victim"),
    ]


def test_assign_roles_english_subordinate_clause_before_the_main_one(models):
    sentence = "If voters do not open their doors, armed men threaten to break them."
    assert roles(sentence, "threaten", "en", models) == [("voters", "victim"), ("armed men", "perpetrator")]


def test_assign_roles_russian_nominative_agent_and_accusative_object(models):
    sentence = "Руководство предприятия заставляло сотрудников голосовать."
    assert roles(sentence, "заставляло", "ru", models) == [
        ("Руководство предприятия", "perpetrator"), ("сотрудников", "victim"),
    ]


def test_assign_roles_russian_object_first_without_subject(models):
    sentence = "Студентов колледжа принуждают становиться наблюдателями."
    assert roles(sentence, "принуждают", "ru", models)[0] == ("Студентов колледжа", "victim")


def test_assign_roles_russian_passive_with_instrumental_agent(models):
    sentence = "Двое студентов были задержаны силовиками."
    assert roles(sentence, "задержаны", "ru", models) == [("Двое студентов", "victim"), ("силовиками", "perpetrator")]


def test_assign_roles_ukrainian_passive_participle_subject_is_victim(models):
    sentence = "Вчителі були змушені збирати фото бюлетенів."
    assert roles(sentence, "змушені", "uk", models) == [("Вчителі", "victim")]


def test_assign_roles_ukrainian_reporter_verb_before_source(models):
    sentence = "Окупанти погрожують бюджетникам звільненням, повідомляє ZMINA."
    assert roles(sentence, "погрожують", "uk", models) == [
        ("Окупанти", "perpetrator"), ("бюджетникам", "victim"), ("ZMINA", "reporter"),
    ]


def test_assign_roles_ukrainian_subject_and_object(models):
    sentence = "У Керчі силовики затримали чоловіка біля дільниці."
    assert roles(sentence, "затримали", "uk", models) == [("силовики", "perpetrator"), ("чоловіка", "victim")]


def test_assign_roles_people_with_weapons_lean_perpetrator_outside_the_clause(models):
    sentence = "Комісії ходять по квартирах — їх супроводжують люди зі зброєю."
    assert roles(sentence, "ходять", "uk", models)[-1] == ("люди зі зброєю", "perpetrator")


def test_assign_roles_demand_from_someone_makes_them_perpetrator(models):
    sentence = "Батьки отримали вимогу від директорів шкіл надіслати фото бюлетенів."
    assert roles(sentence, "вимогу", "uk", models) == [("Батьки", "victim"), ("директорів шкіл", "perpetrator")]


def test_assign_roles_unknown_persons_are_a_group(models):
    sentence = "Невідомі погрожували мешканцям будинку."
    assert roles(sentence, "погрожували", "uk", models) == [("Невідомі", "perpetrator"), ("мешканцям будинку", "victim")]


def test_assign_roles_without_trigger_in_the_sentence_uses_the_lexicon_lean(models):
    sentence = "Soldiers and pensioners stood in line."
    parties = P.find_parties(sentence, 0, "en", models)
    assert [(p.as_written, p.role) for p in P.assign_roles(parties, sentence, (500, 505), language="en", models=models)] == [
        ("Soldiers", "perpetrator"), ("pensioners", "victim"),
    ]


def test_parties_for_trigger_finds_assigns_and_matches(eu_index, models):
    article = "Новости дня. Сергей Аксёнов приказал директорам школ собрать родителей."
    start = article.index("Сергей")
    sentence = Sentence(index=1, start=start, end=len(article), text=article[start:])
    verb = article.index("приказал")
    trigger = Trigger(type="coerced_participation", sentence=1, start=verb, end=verb + len("приказал"),
                      as_written="приказал", entry="приказать", weight=0.8)
    parties = P.parties_for_trigger(sentence, trigger, "ru", models, index=eu_index)
    assert [(p.label, p.role) for p in parties] == [
        ("Sergey Aksyonov (EU list)", "perpetrator"), ("директорам школ", "perpetrator"), ("родителей", "victim"),
    ]


# -- reporters -------------------------------------------------------------------------------------

def test_reporters_english_cited_sources_and_the_outlet_once(models):
    article = ("Employees were told to send photos of their ballots, according to the Crimean Human Rights Group. "
               "QHA reports that two teachers were dismissed. "
               "\"They threatened us,\" said Emil Kurbedinov, a lawyer from Simferopol. "
               "The Crimean Human Rights Group also said the lists were checked.")
    assert P.reporters(article, "en", "QHA", models=models) == [
        "Crimean Human Rights Group", "QHA", "Emil Kurbedinov, a lawyer from Simferopol",
    ]


def test_reporters_as_found_by_and_ukrainian_latin_acronym(models):
    en = "Pensioners were told to bring photos, as the Crimean Tatar Resource Center found."
    uk = "Студентів змушують реєструватися, повідомляє ZMINA."
    assert P.reporters(en, "en", None, models=models) == ["Crimean Tatar Resource Center"]
    assert P.reporters(uk, "uk", "Крим.Реалії", models=models) == ["ZMINA", "Крим.Реалії"]


def test_reporters_russian_and_ukrainian(models):
    ru = "Учителей обязали прийти на участки, сообщает «Крымская правозащитная группа»."
    uk = "За даними Генштабу, окупанти заборонили виїзд. Про це повідомив голова ОВА Сергій Гайдай."
    assert P.reporters(ru, "ru", "Крым.Реалии", models=models) == ["Крымская правозащитная группа", "Крым.Реалии"]
    assert P.reporters(uk, "uk", None, models=models) == ["Генштабу", "голова ОВА Сергій Гайдай"]


def test_reporters_russian_title_with_its_adjective_after_the_verb(models):
    article = "Об увольнениях рассказала симферопольская правозащитница Лиля Гемеджи."
    assert P.reporters(article, "ru", None, models=models) == ["симферопольская правозащитница Лиля Гемеджи"]


def test_reporters_joined_by_and_after_a_plural_verb(models):
    article = "Про це повідомляють Генштаб ЗСУ та голова Херсонської ОВА Олександр Прокудін."
    assert P.reporters(article, "uk", None, models=models) == ["Генштаб ЗСУ", "голова Херсонської ОВА Олександр Прокудін"]


def test_reporters_of_the_seed_article(models):
    text = SEED.read_text(encoding="utf-8")
    assert P.reporters(text, "en", "QHA", models=models)[:2] == ["QHA", "lawyer Emil Kurbedinov"]


def test_reporters_group_only_right_next_to_the_reporting_word(models):
    article = "Their families were afraid, and one resident said nothing about the lists."
    assert P.reporters(article, "en", None, models=models) == ["one resident"]


# -- victim_count ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "language", "count"), [
    ("Police detained three students near the school.", "en", 3),
    ("More than 100 employees were told to vote.", "en", None),
    ("At least 12 teachers were warned.", "en", None),
    ("In 2024 employees were told to vote.", "en", None),
    ("Двое студентов были задержаны.", "ru", 2),
    ("Задержаны 25 человек.", "ru", 25),
    ("Около 30 человек получили повестки.", "ru", None),
    ("Троє активістів отримали штрафи.", "uk", 3),
    ("Щонайменше двоє активістів отримали штрафи.", "uk", None),
    ("The turnout was 30 percent.", "en", None),
])
def test_victim_count(sentence, language, count, models):
    assert P.victim_count(sentence, language, models=models) == count


# -- matching ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def eu_index():
    return P.list_index()


@pytest.mark.parametrize("written", ["Сергея Аксёнова", "Сергія Аксьонова", "Sergei Aksenov"])
def test_match_parties_inflected_and_romanized_forms_match_the_eu_list(written, eu_index, models):
    (party,) = P.match_parties([Party(as_written=written, kind="person", role="perpetrator")], eu_index, models=models)
    assert party.label == "Sergey Aksyonov (EU list)"
    assert party.match["listed_as"] == "Sergey Valeryevich AKSYONOV"


def test_match_parties_person_found_in_a_sentence_matches(eu_index, models):
    sentence = "Глава Крыма Сергей Аксёнов заявил, что сотрудников заставили голосовать."
    labels = [p.label for p in P.match_parties(P.find_parties(sentence, 0, "ru", models), eu_index, models=models)]
    assert labels == ["Sergey Aksyonov (EU list)", "сотрудников"]


def test_match_parties_surname_alone_matches_through_the_full_name(eu_index, models):
    party = Party(as_written="Аксёнова", kind="person", role="perpetrator", refers_to="Сергей Аксёнов")
    assert P.match_parties([party], eu_index, models=models)[0].label == "Sergey Aksyonov (EU list)"


def test_match_parties_unknown_person_and_groups_stay_unmatched(eu_index, models):
    parties = [Party(as_written="Olena Vygadana", kind="person", role="victim"),
               Party(as_written="employees", kind="group", role="victim")]
    assert [p.match for p in P.match_parties(parties, eu_index, models=models)] == [None, None]


def test_match_parties_registry_index_gives_the_display_name_without_list(models):
    registry = MatchIndex([make_entry(id="p-1", schema="Person", caption="Иван Сидоров", names=["Иван Сидоров"])],
                          label="registry")
    (party,) = P.match_parties([Party(as_written="Ивана Сидорова", kind="person", role="perpetrator")], registry,
                               models=models)
    assert (party.match["name"], party.match["list"], party.label) == ("Иван Сидоров", None, "Иван Сидоров")


def test_match_parties_database_list_index_is_named_by_labels(models):
    entry = make_entry(id="eu-1", schema="Person", caption="Ivan Ivanovich VYDUMANOV", names=["Ivan Ivanovich VYDUMANOV"])
    imported = MatchIndex([entry], label="list:eu-269")
    party = Party(as_written="Ivan Vydumanov", kind="person", role="perpetrator")
    assert P.match_parties([party], imported, models=models)[0].label == "Ivan Vydumanov (eu-269)"
    assert P.match_parties([party], imported, models=models, labels={"list:eu-269": "EU list"})[0].label == \
        "Ivan Vydumanov (EU list)"


def test_list_index_reads_the_eu_csv_without_the_database(eu_index):
    assert len(eu_index) > 2000
    assert eu_index.label == "EU list"


def test_list_index_cache_gives_the_same_matches(tmp_path, settings, models):
    settings.VAR_DIR = tmp_path
    P.list_index.cache_clear()
    try:
        built = P.list_index()
        P.list_index.cache_clear()
        cached = P.list_index()
    finally:
        P.list_index.cache_clear()
    party = Party(as_written="Сергея Аксёнова", kind="person", role="perpetrator")
    assert (built.from_cache, cached.from_cache, len(cached)) == (False, True, len(built))
    assert P.match_parties([party], cached, models=models)[0].match == P.match_parties([party], built, models=models)[0].match
    assert cached.entries == built.entries


def test_display_name_drops_the_patronymic_and_folds_capitals():
    assert P.display_name("Sergey Valeryevich AKSYONOV") == "Sergey Aksyonov"
    assert P.display_name("FEDERAL SECURITY SERVICE") == "Federal Security Service"
