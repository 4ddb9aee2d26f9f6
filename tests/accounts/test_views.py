import pytest

from tests.helpers import PASSWORD, login

pytestmark = pytest.mark.django_db


def test_login_page_renders_for_stranger(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert '<label for="id_username">Username</label>' in response.content.decode()
    assert ">Sign in</button>" in response.content.decode()


def test_sign_in_with_right_password_goes_to_dashboard(client, viewer):
    response = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/")


def test_sign_in_of_a_documenter_without_authenticator_goes_to_set_up(client, documenter):
    response = client.post("/accounts/login/", {"username": "documenter", "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/accounts/two-factor/setup/?next=%2F")


def test_sign_in_with_wrong_password_shows_error(client, documenter):
    response = client.post("/accounts/login/", {"username": "documenter", "password": "wrong-password-123"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["/", "/incidents/", "/incidents/new/", "/incidents/review/", "/people/persons/",
                                 "/people/organizations/", "/incidents/sources/", "/incidents/places/",
                                 "/incidents/elections/", "/search/?q=x"])
def test_every_page_sends_stranger_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_sign_out_ends_session(client, documenter):
    login(client, documenter)

    response = client.post("/accounts/logout/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
    assert client.get("/").status_code == 302


def test_pages_carry_strict_csp_and_no_inline_style(client, viewer):
    login(client, viewer)

    response = client.get("/")

    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    body = response.content.decode()
    assert " style=" not in body
    assert "<style" not in body
    assert "<script>" not in body


def test_language_switch_sets_ukrainian(client, viewer):
    login(client, viewer)

    response = client.post("/i18n/setlang/", {"language": "uk", "next": "/"})
    page = client.get("/")

    assert response.status_code == 302
    assert '<html lang="uk">' in page.content.decode()
    assert "Панель" in page.content.decode()


def test_accept_language_renders_ukrainian(client, viewer):
    login(client, viewer)

    response = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="uk")

    body = response.content.decode()
    assert '<html lang="uk">' in body
    assert "<h1>Інциденти</h1>" in body
    assert ">Вийти</button>" in body


def test_login_page_in_ukrainian_by_cookie(client):
    client.cookies["django_language"] = "uk"

    response = client.get("/accounts/login/")

    assert "<h1>Увійти</h1>" in response.content.decode()
