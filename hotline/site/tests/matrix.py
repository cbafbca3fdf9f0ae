from hotline.tests.matrix import Row, everyone, staff

ROWS = [
    Row("healthz", everyone(200)),
    Row("site:home", everyone(200)),
    Row("site:console", staff(200)),
]
