"""What the seven scripts share. Imported before Keras: see `common.backends.prepare`."""

from common.backends import prepare

prepare()
