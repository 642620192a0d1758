import pytest
from django.contrib.auth.hashers import identify_hasher

from server.accounts.models import Role, User
from tests import factories

pytestmark = pytest.mark.django_db


def test_token_with_right_and_wrong_password(api):
    user = factories.user(Role.INSPECTOR, username="li")
    ok = api().post("/api/v1/auth/token/", {"username": "li", "password": factories.PASSWORD}, format="json")
    assert ok.status_code == 200 and len(ok.json()["token"]) >= 20
    bad = api().post("/api/v1/auth/token/", {"username": "li", "password": "nope"}, format="json")
    assert bad.status_code in (400, 401) and "detail" in bad.json()
    assert api().post("/api/v1/auth/token/", {"username": "li"}, format="json").json()["field"] == "password"
    # the token works on the next request
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert client.get("/api/v1/accounts/me/").json()["username"] == user.username


def test_login_is_throttled(api):
    factories.user(Role.INSPECTOR, username="wang")
    codes = [
        api().post("/api/v1/auth/token/", {"username": "wang", "password": f"x{i}"}, format="json").status_code
        for i in range(12)
    ]
    assert codes[0] in (400, 401) and codes[-1] == 429


def test_admin_creates_accounts_with_argon2(api):
    admin = factories.user(Role.ADMIN)
    response = api(admin).post(
        "/api/v1/accounts/",
        {"username": "zhang", "password": "Str0ng-pass-9", "role": "inspector", "jurisdiction": "445281",
         "full_name": "张三"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["jurisdiction"] == "445281"
    created = User.objects.get(username="zhang")
    assert identify_hasher(created.password).algorithm == "argon2"
    assert created.check_password("Str0ng-pass-9")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"role": "janitor", "jurisdiction": "445202"}, "role"),
        ({"role": "inspector", "jurisdiction": "999999"}, "jurisdiction"),
        ({"role": "supervisor"}, "jurisdiction"),
        ({"role": "certifier"}, "certification_body"),
        ({"role": "certifier", "certification_body": "NOPE"}, "certification_body"),
        ({"role": "inspector", "jurisdiction": "445202", "password": "123"}, "password"),
        ({"role": "inspector", "jurisdiction": "445202", "username": "bad name!"}, "username"),
    ],
)
def test_bad_account_input_names_the_field(api, payload, field):
    admin = factories.user(Role.ADMIN)
    body = {"username": "newbie", "password": "Str0ng-pass-9", **payload}
    response = api(admin).post("/api/v1/accounts/", body, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not User.objects.filter(username=body["username"]).exists()


def test_duplicate_username_is_400_and_keeps_the_first(api):
    admin = factories.user(Role.ADMIN)
    first = factories.user(Role.INSPECTOR, username="dup")
    response = api(admin).post(
        "/api/v1/accounts/",
        {"username": "dup", "password": "Str0ng-pass-9", "role": "supervisor", "jurisdiction": "445200"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["field"] == "username"
    first.refresh_from_db()
    assert first.role == Role.INSPECTOR


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.INSPECTOR, Role.CERTIFIER])
def test_only_admins_create_accounts(api, role):
    actor = factories.user(role)
    response = api(actor).post(
        "/api/v1/accounts/",
        {"username": "x1", "password": "Str0ng-pass-9", "role": "inspector", "jurisdiction": "445202"},
        format="json",
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="x1").exists()


def test_superuser_acts_as_admin(api):
    root = User.objects.create_superuser("root", "root@example.com", "Str0ng-pass-9", role=Role.INSPECTOR,
                                         jurisdiction_id="445200")
    response = api(root).post(
        "/api/v1/accounts/",
        {"username": "cert1", "password": "Str0ng-pass-9", "role": "certifier",
         "certification_body": factories.CertificationBodyFactory().code},
        format="json",
    )
    assert response.status_code == 201


def test_account_list_is_scoped(api):
    city = factories.user(Role.SUPERVISOR, jurisdiction="445200")
    county = factories.user(Role.SUPERVISOR, jurisdiction="445202")
    in_county = factories.user(Role.INSPECTOR, jurisdiction="445202")
    elsewhere = factories.user(Role.INSPECTOR, jurisdiction="445281")
    seen_by_city = {u["username"] for u in api(city).get("/api/v1/accounts/").json()}
    seen_by_county = {u["username"] for u in api(county).get("/api/v1/accounts/").json()}
    assert {county.username, in_county.username, elsewhere.username} <= seen_by_city
    assert in_county.username in seen_by_county and elsewhere.username not in seen_by_county
    assert [u["username"] for u in api(in_county).get("/api/v1/accounts/").json()] == [in_county.username]


def test_anonymous_is_refused(api):
    assert api().get("/api/v1/accounts/").status_code in (401, 403)
    assert api().get("/api/v1/inspections/").status_code in (401, 403)


def test_createsuperuser_noinput_makes_an_admin(api, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Adm1n-pass-77")
    call_command("createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.com")
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.role == Role.ADMIN and boss.effective_role == Role.ADMIN
    token = api().post("/api/v1/auth/token/", {"username": "boss", "password": "Adm1n-pass-77"}, format="json")
    assert token.status_code == 200


def test_admin_creates_an_enterprise_account_bound_to_one_enterprise(api):
    admin = factories.user(Role.ADMIN)
    company = factories.EnterpriseFactory()
    body = {"username": "op1", "password": "s3cure-operator-pw", "role": "enterprise", "enterprise": company.pk}
    response = api(admin).post("/api/v1/accounts/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["enterprise"] == company.pk
    assert response.json()["role"] == "enterprise"


@pytest.mark.parametrize("extra", [{}, {"enterprise": 999999}])
def test_enterprise_account_needs_a_known_enterprise(api, extra):
    admin = factories.user(Role.ADMIN)
    body = {"username": "op2", "password": "s3cure-operator-pw", "role": "enterprise", **extra}
    response = api(admin).post("/api/v1/accounts/", body, format="json")
    assert response.status_code == 400
    assert "enterprise" in response.content.decode()


def test_only_enterprise_accounts_are_bound_to_an_enterprise(api):
    admin = factories.user(Role.ADMIN)
    company = factories.EnterpriseFactory()
    body = {"username": "insp9", "password": "s3cure-operator-pw", "role": "inspector", "jurisdiction": "445202",
            "enterprise": company.pk}
    assert api(admin).post("/api/v1/accounts/", body, format="json").status_code == 400


def test_passwords_are_argon2id_at_the_documented_parameters_and_old_hashes_upgrade(api):
    from argon2 import PasswordHasher, extract_parameters
    from django.contrib.auth import authenticate

    user = factories.user(Role.INSPECTOR)
    user.password = "argon2" + PasswordHasher(time_cost=2, memory_cost=102400, parallelism=8).hash("old-pass-123456")
    user.save(update_fields=["password"])
    assert authenticate(username=user.username, password="old-pass-123456") is not None
    user.refresh_from_db()
    params = extract_parameters(user.password.removeprefix("argon2"))
    assert (params.time_cost, params.memory_cost, params.parallelism) == (2, 19456, 1)
