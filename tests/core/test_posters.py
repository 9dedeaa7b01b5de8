from xml.etree import ElementTree

from core.posters import poster_svg


def test_a_poster_is_deterministic():
    assert poster_svg("Fargo", 1996, ("Comedy", "Crime")) == poster_svg("Fargo", 1996, ("Comedy", "Crime"))


def test_different_movies_get_different_posters():
    posters = {poster_svg(t, y, g) for t, y, g in [("Fargo", 1996, ("Crime",)), ("Fargo", 2014, ("Crime",)),
                                                    ("Alien", 1979, ("Horror",)), ("Alien", 1979, ())]}
    assert len(posters) == 4


def test_titles_are_escaped_into_valid_svg():
    svg = poster_svg('<script>alert("x")</script> & Co', None, ())
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg") and "<script>" not in svg
