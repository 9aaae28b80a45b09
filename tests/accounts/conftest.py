from tests.api.conftest import api, login, openapi_doc, reset_links, sms, verified_client  # noqa: F401
