# Custos: `make demo` opens the app on the demo institution; `make test` installs what the tests need and runs them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
# Debian packages: Qt's runtime libraries (offscreen for the tests; the X11 ones for a window on a desktop; libpulse0
# for Qt Multimedia, which reads QR codes from a camera), and
# Node.js and npm (for solc and anvil) only if the machine has no node and npm of its own.
QT_PACKAGES := libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 libpulse0
# The real components the integration tests use: SoftHSM2 (PKCS#11), gnome-keyring on a private D-Bus session, and
# PostgreSQL's server (the tests start their own cluster on a loopback port; tests/support/postgres.py).
TEST_PACKAGES := softhsm2 gnome-keyring dbus dbus-x11 postgresql
X11_PACKAGES := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 \
	libxcb-xinerama0 libxcb-xkb1 libxcb-randr0 libxkbcommon-x11-0
# Installs only what is missing, so a second run is quick.
apt_ensure = missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	| grep -q '^install ok installed' || echo $$p; done); \
	$(2) \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

.PHONY: demo test lint typecheck unit ui integration bench contracts system-deps desktop-deps node-deps python-env clean

demo: desktop-deps python-env
	$(BIN)/custos demo init
	$(BIN)/custos-gui --profile demo

test: system-deps node-deps python-env
	$(MAKE) --no-print-directory lint typecheck
	QT_QPA_PLATFORM=offscreen tools/with-test-services.sh $(BIN)/python -m pytest -q -p no:cacheprovider tests

lint: python-env
	$(BIN)/ruff check .

typecheck: python-env
	$(BIN)/mypy

unit: python-env
	$(BIN)/python -m pytest -q tests/unit

ui: python-env
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q tests/ui

integration: system-deps node-deps python-env
	tools/with-test-services.sh $(BIN)/python -m pytest -q tests/integration

bench: system-deps node-deps python-env
	QT_QPA_PLATFORM=offscreen tools/with-test-services.sh $(BIN)/python benchmarks/run.py

contracts: node-deps
	node resources/contracts/build.mjs

system-deps:
	@$(call apt_ensure,$(QT_PACKAGES) $(TEST_PACKAGES),command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm";)

desktop-deps:
	@$(call apt_ensure,$(QT_PACKAGES) $(X11_PACKAGES),)

node-deps: $(STAMPS)/node-deps
$(STAMPS)/node-deps: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@test -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil || { echo "anvil binary missing after npm ci"; exit 1; }
	@mkdir -p $(STAMPS) && touch $@

python-env: $(STAMPS)/python-env
$(STAMPS)/python-env: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

clean:
	rm -rf $(STAMPS) $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
