# Klaxon: `make demo` plays a scripted incident on the local stack; `make test` runs every test.
# Both install what they need first (a .venv with Python 3.13, the Lambda runtime).

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# checkov (template checks) pins older boto3 and friends than Klaxon's: it gets a virtual environment of its own.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
PORT    ?= 3000
# The browser tests drive Debian's chromium (Playwright's own browser download is not used).
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Python 3.13: pyenv's (this machine) or any python3.13 on PATH.
PYTHON313 := $(shell if PYENV_VERSION=3.13.0 python3.13 -V >/dev/null 2>&1; then echo "env PYENV_VERSION=3.13.0 python3.13"; \
                     elif command -v python3.13 >/dev/null 2>&1; then echo python3.13; fi)
NEED_PYTHON313 = @test -n "$(PYTHON313)" || { echo "Python 3.13 is needed (pyenv install 3.13.0, or python3.13 on PATH)"; exit 1; }

.PHONY: install demo test serve build bench clean doctor

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt shared/pyproject.toml
	$(NEED_PYTHON313)
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e shared
	@touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	$(NEED_PYTHON313)
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $(CHECKOV_STAMP)

demo: install
	$(PY) -m infra.demo

test: install $(CHECKOV_STAMP) $(CHROMIUM)
	$(PY) -m pytest

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tests need chromium at $(CHROMIUM) (Debian: apt-get install chromium)"; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

serve: install
	$(PY) -m infra.local serve --port $(PORT)

# The health check of a live installation: the stack samconfig.toml names, STACK=… (REGION=…), or LOCAL=<url>
# for `make serve`'s local stack. Exits 1 when something needs fixing.
doctor: install
	$(PY) -m infra.doctor $(if $(STACK),--stack $(STACK)) $(if $(REGION),--region $(REGION)) \
		$(if $(LOCAL),--local $(LOCAL))

build: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/sam build

bench: install
	$(PY) -m bench.ack_latency
	$(PY) -m bench.rule_matching
	$(PY) -m bench.configuration_snapshot
	$(PY) -m bench.event_reads
	$(PY) -m bench.sweep_cost
	$(PY) -m bench.escalation_timing
	$(PY) -m bench.escalation_timing --slack emulator
	$(PY) -m bench.directory_commands
	$(PY) -m bench.webhook_intake
	$(PY) -m bench.incident_costs
	$(PY) -m bench.fault_hour
	$(PY) -m bench.doc_page
	$(PY) -m bench.storm
	$(PY) -m bench.digest_sizes

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache
