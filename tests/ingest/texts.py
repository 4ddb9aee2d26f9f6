"""Articles written for these tests (never texts of the development set, which belong to their
publishers). Each is long enough to be an article and to compare by five-word runs."""

UKRAINIAN = """Окупаційна влада погрожувала звільненням вчителям у Джанкої

У Джанкої директорка школи зібрала вчителів і наказала їм прийти на виборчу дільницю разом з
родинами. За словами двох педагогів, тим, хто не надішле фотографію бюлетеня до обіду, пообіцяли
звільнення з роботи наприкінці навчального року.

Правозахисники зазначають, що подібні вимоги надходили й до працівників лікарні та місцевої
адміністрації. Люди бояться говорити відкрито, бо їхні прізвища відомі керівництву, а списки тих,
хто проголосував, перевіряють щовечора.
"""

RUSSIAN = """В Армянске сотрудников комбината заставили голосовать на рабочем месте

На химическом предприятии в Армянске руководство объявило, что голосование пройдёт прямо в цехах.
Работникам выдали бюллетени под присмотром начальников смен, а тех, кто отказался, записали в
отдельный список и вызвали в отдел кадров.

Местные жители рассказывают, что похожие собрания прошли и на других предприятиях города. Многие
опасаются потерять работу и поэтому не решаются жаловаться, хотя понимают, что такое голосование
нельзя назвать свободным.
"""

ENGLISH = """Teachers in a Crimean town told to photograph their ballots

Staff at a secondary school in a small Crimean town were told at a morning meeting that they must
vote before noon and send a photograph of the completed ballot to the deputy head. Two teachers
said the instruction came from the district education department and that the names of those who
did not report would be passed on to the administration.

A local human rights group said it had received similar accounts from a hospital and a bus depot in
the same district, where managers collected lists of employees who had voted and called those who
had not at home in the evening.
"""

# The same story as ENGLISH, reprinted by another outlet with a new title, a changed sentence and
# a line of its own at the end.
ENGLISH_REPRINT = """Crimean teachers ordered to send pictures of their ballots

Staff at a secondary school in a small Crimean town were told at a morning meeting that they must
vote before noon and send a photograph of the completed ballot to the deputy head. Two teachers
said the instruction came from the district education department and that the names of those who
did not report would be passed on to the administration.

A local human rights group said it had received similar accounts from a hospital and a bus depot in
the same district, where managers collected lists of employees who had voted and phoned those who
had not at home in the evening.

This article first appeared on a partner site.
"""

# Another story altogether, in the same language.
ENGLISH_OTHER = """Observers describe armed visits to flats during the referendum

In a southern city under occupation, residents said that soldiers accompanied election workers who
went from flat to flat with a portable ballot box. One resident said she was asked for her passport
in the hallway and filled in the ballot while two armed men waited at the door. Neighbours in the
same building described the same visit and said nobody was offered a booth or an envelope.
"""

GERMAN = """Lehrer in einer Kleinstadt mussten Fotos ihrer Stimmzettel schicken

In einer Schule der Stadt wurden die Lehrerinnen und Lehrer bei einer Versammlung am Morgen
aufgefordert, vor Mittag zu waehlen und ein Foto des ausgefuellten Stimmzettels an die stellvertretende
Schulleiterin zu schicken. Zwei Lehrer sagten, die Anweisung sei von der Bezirksverwaltung gekommen und
die Namen derer, die sich nicht meldeten, wuerden an die Verwaltung weitergegeben.
"""

CRIMEAN_TATAR = """Qırımda oca ve talebeler saylavğa mecburiy alıp kelindi

Bağçasaray rayonındaki mektepte ocalarğa saylav künü sabadan kelip, reyini bergen soñ fotosürette
köstermek emir etildi. Olarnıñ aytqanına köre, bu emir rayon maarif idaresinden kelgen ve kelmegen
ocalarnıñ adları ayrı cedvelge yazılğan. İnsan aqları teşkilâtı bu meselede daa bir qaç haber aldı.
"""

HTML_ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><title>Teachers told to photograph ballots | Example News</title>
<meta property="og:title" content="Teachers in a Crimean town told to photograph their ballots">
<meta property="article:published_time" content="2024-03-18T09:30:00+00:00">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/about">About us</a></nav>
<article><h1>Teachers in a Crimean town told to photograph their ballots</h1>
<p>Staff at a secondary school in a small Crimean town were told at a morning meeting that they must
vote before noon and send a photograph of the completed ballot to the deputy head.</p>
<p>Two teachers said the instruction came from the district education department and that the names
of those who did not report would be passed on to the administration.</p>
<p>A local human rights group said it had received similar accounts from a hospital and a bus depot in
the same district, where managers collected lists of employees who had voted.</p>
</article>
<footer>Copyright Example News. Subscribe to our newsletter.</footer>
</body></html>
"""

HTML_NO_ARTICLE = """<!DOCTYPE html>
<html><head><title>Page not found</title></head>
<body><nav><a href="/">Home</a></nav><p>404</p></body></html>
"""
