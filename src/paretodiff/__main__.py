from paretodiff.cli import app

app(prog_name="paretodiff")
