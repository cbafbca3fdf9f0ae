import uuid

from hotline.tests.matrix import Row, everyone, only, outcomes

SEARCHERS = {"specialist", "supervisor", "program_staff", "curator", "administrator"}
CURATORS = {"curator", "administrator"}
NOWHERE = str(uuid.UUID(int=1))


def a_listing(personas: dict) -> dict:
    from hotline.directory.models import Organization, Service, ServiceAtLocation

    org = Organization.objects.create(name="Matrix Org (fictional)", description="d")
    service = Service.objects.create(organization=org, name="Matrix service", status="active")
    return {"organization": org, "service": service, "sal": ServiceAtLocation}


def org_kwargs(personas: dict) -> dict:
    return {"organization_id": a_listing(personas)["organization"].pk}


def service_kwargs(personas: dict) -> dict:
    return {"service_id": a_listing(personas)["service"].pk}


def flag_kwargs(personas: dict) -> dict:
    from hotline.directory.models import ListingFlag

    listing = a_listing(personas)
    flag = ListingFlag.objects.create(
        organization=listing["organization"],
        service=listing["service"],
        reason="disconnected",
        created_by=personas["specialist"],
    )
    return {"flag_id": flag.pk}


def api_service(personas: dict) -> dict:
    return {"service_id": a_listing(personas)["service"].pk}


def api_sal(personas: dict) -> dict:
    from hotline.directory.models import Location, ServiceAtLocation

    listing = a_listing(personas)
    location = Location.objects.create(location_type="physical", latitude=41.9, longitude=-87.6)
    sal = ServiceAtLocation.objects.create(service=listing["service"], location=location)
    return {"sal_id": sal.pk}


def api_taxonomy(personas: dict) -> dict:
    from hotline.directory.models import Taxonomy

    return {"taxonomy_id": Taxonomy.objects.create(name="T", description="d").pk}


def api_term(personas: dict) -> dict:
    from hotline.directory.models import TaxonomyTerm

    return {"term_id": TaxonomyTerm.objects.create(name="T", description="d").pk}


ROWS = [
    # Public pages.
    Row("directory:public_search", everyone(200)),
    Row(
        "directory:public_search",
        everyone(200),
        method="post",
        data=lambda p: {"postal_code": "60601", "radius": "25"},
    ),
    Row("directory:public_listing", everyone(200), kwargs=org_kwargs),
    Row("directory:join", everyone(200)),
    Row("directory:join", everyone(200), method="post"),
    Row("directory:join_edit", everyone(404), kwargs=lambda p: {"token": "no-such-token"}),
    # Staff pages.
    Row("directory:search", only(SEARCHERS)),
    Row(
        "directory:search",
        only(SEARCHERS),
        method="post",
        data=lambda p: {"postal_code": "60601", "radius": "25"},
    ),
    Row("directory:listing", only(SEARCHERS), kwargs=org_kwargs),
    Row("directory:flag", only(SEARCHERS), kwargs=service_kwargs),
    Row("directory:flag", only(SEARCHERS, 404), kwargs=lambda p: {"service_id": NOWHERE}),
    Row("directory:queue", only(CURATORS)),
    Row("directory:application", only(CURATORS, 404), kwargs=lambda p: {"application_id": 999}),
    Row(
        "directory:flag_resolve",
        only(CURATORS, 404),
        method="post",
        kwargs=lambda p: {"flag_id": 999},
    ),
    Row("directory:flag_resolve", only(CURATORS, 404), kwargs=lambda p: {"flag_id": 999}),
    Row("directory:flag_resolve", only(CURATORS), kwargs=flag_kwargs),
    Row(
        "directory:flag_resolve",
        only(CURATORS, 302),
        method="post",
        kwargs=flag_kwargs,
        data=lambda p: {"note": "Called them: the number works."},
    ),
    Row("directory:listing_edit", only(CURATORS), kwargs=org_kwargs),
    Row(
        "directory:listing_edit", only(CURATORS, 404), kwargs=lambda p: {"organization_id": NOWHERE}
    ),
    # A submit without the formsets' management data is refused in words and changes nothing.
    Row("directory:listing_edit", only(CURATORS, 400), method="post", kwargs=org_kwargs),
    Row("directory:verify", only(CURATORS, 302), method="post", kwargs=org_kwargs),
    Row("directory:verify", outcomes(405), kwargs=org_kwargs),
    Row(
        "directory:listing_status",
        only(CURATORS, 302),
        method="post",
        kwargs=org_kwargs,
        data=lambda p: {"status": "withdrawn"},
    ),
    Row("directory:listing_status", outcomes(405), kwargs=org_kwargs),
    Row("directory:import", only(CURATORS)),
    Row("directory:export", only(CURATORS)),
    # The API: public data, the same for everyone.
    Row("api:openapi-json", everyone(200)),
    Row("api:api-root", everyone(404)),
    Row("api:hsds-root", everyone(200)),
    Row("api:hsds-services", everyone(200)),
    Row("api:hsds-service", everyone(200), kwargs=api_service),
    Row("api:hsds-service", everyone(404), kwargs=lambda p: {"service_id": NOWHERE}),
    Row("api:hsds-organizations", everyone(200)),
    Row("api:hsds-organization", everyone(200), kwargs=org_kwargs),
    Row("api:hsds-service-at-locations", everyone(200)),
    Row("api:hsds-service-at-location", everyone(200), kwargs=api_sal),
    Row("api:hsds-taxonomies", everyone(200)),
    Row("api:hsds-taxonomy", everyone(200), kwargs=api_taxonomy),
    Row("api:hsds-taxonomy-terms", everyone(200)),
    Row("api:hsds-taxonomy-term", everyone(200), kwargs=api_term),
]
