"""Extraction on sentences written for the tests, one act each (or none: a prediction, a general
statement), in the three languages: the types the vocabulary knows, each through its own words.
They guard the method beyond the development set it was tuned on."""

import pytest

from svidok.ingest import reading
from svidok.ingest.extraction import pipeline


@pytest.fixture(scope="module")
def resources():
    return pipeline.Resources.load(match_indexes=lambda: [])


LEAD = {"en": "The vote in the peninsula lasted three days and was not recognised by any democratic state.",
        "uk": "Голосування на півострові тривало три дні, і жодна демократична держава його не визнала.",
        "ru": "Голосование на полуострове длилось три дня, и ни одно демократическое государство его не признало."}
CASES = [
 ("en", "A court in Simferopol fined a local activist 20,000 roubles for a post calling for a boycott of the vote.", "administrative_case"),
 ("en", "Investigators opened a criminal case against a Crimean Tatar blogger in Bakhchysarai who had urged people not to vote.", "criminal_case"),
 ("en", "Masked FSB officers searched the home of a journalist in Dzhankoi on the eve of the vote.", "search"),
 ("en", "Two men were beaten near a polling station in Yalta after they refused to take ballots.", "violence"),
 ("en", "In Sevastopol, a school director told teachers they would be fired if they did not vote.", "threat_of_dismissal"),
 ("en", "A nurse in Yevpatoria was dismissed after she refused to vote, her sister said.", "dismissal"),
 ("en", "Employees of the Simferopol tram depot had to send their managers a photo of the ballot.", "coerced_participation"),
 ("en", "Armed soldiers went from house to house in Nova Kakhovka with ballot boxes.", "forced_voting"),
 ("en", "Officials will probably force state employees to vote next week.", None),
 ("en", "Human rights groups have long said that Russia intimidates residents of occupied territories.", None),
 ("uk", "У Сімферополі співробітники ФСБ провели обшук у будинку кримськотатарського активіста.", "search"),
 ("uk", "У Мелітополі окупанти затримали трьох чоловіків, які відмовилися голосувати.", "detention"),
 ("uk", "Керівництво лікарні в Херсоні погрожувало медикам звільненням, якщо вони не прийдуть на дільницю.", "threat_of_dismissal"),
 ("uk", "Працівників бюджетних установ Джанкоя зобов'язали надіслати фото бюлетеня керівникам.", "coerced_participation"),
 ("uk", "Суд у Керчі оштрафував місцеву мешканку за допис у соцмережах про вибори.", "administrative_case"),
 ("uk", "Окупанти можуть почати примушувати людей голосувати вже наступного тижня.", None),
 ("ru", "В Симферополе сотрудники полиции задержали двух наблюдателей у избирательного участка.", "detention"),
 ("ru", "Учителям школы в Феодосии пригрозили увольнением, если они не придут на выборы.", "threat_of_dismissal"),
 ("ru", "Суд в Ялте оштрафовал активиста на 30 тысяч рублей за призыв бойкотировать выборы.", "administrative_case"),
 ("ru", "В Керчи против журналиста возбудили уголовное дело после публикации о выборах.", "criminal_case"),
 ("ru", "Студентов университета в Симферополе обязали прийти на участок и отчитаться старостам.", "coerced_participation"),
 ("ru", "Власти, возможно, будут заставлять бюджетников голосовать.", None),
 ("en", "No one was detained at the polling station in Yalta, the police said.", None),
 ("en", "Two activists were detained without charge in Yalta after the vote.", "detention"),
 ("uk", "У Ялті нікого не затримали, повідомила поліція.", None),
 ("ru", "В Ялте никого не задержали, сообщила полиция.", None),
 ("ru", "В Ялте задержали двух наблюдателей, которые не пришли на участок.", "detention"),
]


@pytest.mark.parametrize(("language", "sentence", "expected"), CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_one_act_per_sentence(resources, language, sentence, expected):
    body = reading.normalize_text(LEAD[language] + "\n\n" + sentence)
    proposals = pipeline.extract(pipeline.Article(text=body, language=language), resources)
    assert [p.type for p in proposals] == ([expected] if expected else [])
    for proposal in proposals:
        assert proposal.evidence_quote == sentence
