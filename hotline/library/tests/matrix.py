from hotline.tests.matrix import Row, everyone, only, staff

CURATORS = {"curator", "administrator"}


def a_resource(personas: dict) -> dict:
    from hotline.library.actions import ensure_vocabulary
    from hotline.library.models import Audience, Resource

    ensure_vocabulary()
    resource, created = Resource.objects.get_or_create(
        slug="matrix-resource",
        defaults={"title": "Matrix resource", "resource_type": "fact_sheet"},
    )
    if created:
        resource.audiences.set([Audience.objects.get(code="victims")])
    return {"slug": resource.slug}


def a_resource_id(personas: dict) -> dict:
    from hotline.library.models import Resource

    return {"resource_id": Resource.objects.get(slug=a_resource(personas)["slug"]).pk}


def a_collection(personas: dict) -> dict:
    from hotline.library.models import Collection

    collection, _ = Collection.objects.get_or_create(
        slug="matrix-collection", defaults={"title": "Matrix collection"}
    )
    return {"slug": collection.slug}


ROWS = [
    Row("library:index", everyone(200)),
    Row("library:resource", everyone(200), kwargs=a_resource),
    # Without an uploaded file there is nothing to download (test_pages covers a real file).
    Row("library:file", everyone(404), kwargs=a_resource),
    Row("library:collection", everyone(200), kwargs=a_collection),
    Row("library:manage", only(CURATORS)),
    Row("library:manage_new", only(CURATORS)),
    Row("library:manage_edit", only(CURATORS), kwargs=a_resource_id),
    Row("library:manage_delete", only(CURATORS, 302), method="post", kwargs=a_resource_id),
    Row("library:manage_delete", staff(405), kwargs=a_resource_id),
]
