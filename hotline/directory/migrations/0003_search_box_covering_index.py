"""The search's box scan and counts read one index: the grid square and latitude it is scanned
by, and the columns its filters and counts need. It starts with the columns of the index it
replaces. Made before that one is dropped, so that searches always have one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_search_grid_cells"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchentry",
            index=models.Index(
                fields=["cell", "latitude", "longitude", "public", "codes", "id"],
                name="directory_search_box",
            ),
        ),
        migrations.RemoveIndex(
            model_name="searchentry",
            name="directory_search_cell",
        ),
    ]
