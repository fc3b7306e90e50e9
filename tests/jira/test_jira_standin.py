"""The stand-in and its OpenAPI check bite: what does not conform to Atlassian's document is caught."""

from __future__ import annotations

import json

import requests


def _auth(standin):
    return (standin.email, standin.token)


def test_a_request_outside_the_document_is_a_violation(standin):
    url = standin.url + "/rest/api/3/issueLink"
    requests.post(url, auth=_auth(standin), json={"type": {"name": "Blocks"}, "inwardIssue": {"key": "ACME-1"}},
                  timeout=5)                                    # outwardIssue is required
    requests.post(standin.url + "/rest/api/3/search/jql", auth=_auth(standin),
                  json={"jql": "project = ACME", "startAt": 0}, timeout=5)   # startAt belongs to the old search
    problems = list(standin.violations)
    standin.violations.clear()
    assert any("request POST /rest/api/3/issueLink" in p and "outwardIssue" in p for p in problems)
    assert any("request POST /rest/api/3/search/jql" in p and "startAt" in p for p in problems)


def test_an_answer_outside_the_document_is_a_violation(standin, openapi_checker):
    body = json.dumps({"issues": {"ACME-1": {}}, "isLast": True}).encode()     # issues must be a list
    problems = openapi_checker.check_response("POST", "/rest/api/3/search/jql", "", {"Content-Type": "application/json"},
                                              b'{"jql": "project = ACME"}', 200, body)
    assert problems and "is not of type 'array'" in problems[0]
    ok = json.dumps({"issues": [], "isLast": True}).encode()
    assert openapi_checker.check_response("POST", "/rest/api/3/search/jql", "", {"Content-Type": "application/json"},
                                          b'{"jql": "project = ACME"}', 200, ok) == []


def test_without_credentials_the_stand_in_answers_401(standin):
    reply = requests.get(standin.url + "/rest/api/3/field", timeout=5)
    assert reply.status_code == 401
    reply = requests.get(standin.url + "/rest/api/3/field", auth=(standin.email, "nope"), timeout=5)
    assert reply.status_code == 401
    assert requests.get(standin.url + "/rest/api/3/field", auth=_auth(standin), timeout=5).status_code == 200
    standin.violations.clear()      # the document does require credentials: those two calls broke it on purpose
