"""The ``clientbase`` command as ``python -m clientbase``, and as the script ``spark-submit`` runs on a cluster
(``spark-submit [options] "$(python -c 'import clientbase.__main__ as m; print(m.__file__)')" analyze ...``)."""

from clientbase.cli.main import app

if __name__ == "__main__":
    app(prog_name="clientbase")
