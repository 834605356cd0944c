"""THE list of rules and indexers. Adding a rule is one line here (keep codes sorted)."""

from __future__ import annotations

from isolint.core.metrics import Metric
from isolint.core.rule import Indexer, Rule
from isolint.core.selectors import register_rules
from isolint.rules import audit_metrics
from isolint.rules.config_isolation.dev_default_env_fallback import AccessorFallbackIndexer, DevDefaultEnvFallback
from isolint.rules.config_isolation.dev_value_in_deployed_env_file import DevValueInDeployedEnvFile
from isolint.rules.config_isolation.env_access_outside_config import EnvAccessOutsideConfig
from isolint.rules.config_isolation.hardcoded_connection_value import HardcodedConnectionValue
from isolint.rules.config_isolation.hardcoded_local_host import HardcodedLocalHost
from isolint.rules.contract.metrics import message_mismatches
from isolint.rules.contract.mirrored_enum_drift import MirroredEnumDrift
from isolint.rules.contract.near_miss_message_type import NearMissMessageType
from isolint.rules.contract.python_indexer import PythonMessageIndexer
from isolint.rules.contract.typescript_indexer import TypeScriptMessageIndexer
from isolint.rules.contract.unhandled_message_type import UnhandledMessageType
from isolint.rules.contract.unsent_handled_message_type import UnsentHandledMessageType
from isolint.rules.contract.unset_payload_field import UnsetPayloadField
from isolint.rules.lifecycle.async_database_call_not_awaited import AsyncDatabaseCallNotAwaited
from isolint.rules.lifecycle.carriers import SessionCarrierIndexer
from isolint.rules.lifecycle.engine_created_in_many_modules import EngineCreatedInManyModules
from isolint.rules.lifecycle.engine_created_per_call import EngineCreatedPerCall
from isolint.rules.lifecycle.manual_close_not_in_finally import ManualCloseNotInFinally
from isolint.rules.lifecycle.metrics import session_context_managers
from isolint.rules.lifecycle.session_factories import SessionFactoryIndexer
from isolint.rules.lifecycle.session_in_shared_state import SessionInSharedState
from isolint.rules.lifecycle.session_without_context_manager import SessionWithoutContextManager
from isolint.rules.lifecycle.sync_database_call_in_async import SyncDatabaseCallInAsync
from isolint.rules.lifecycle.sync_session_reached_in_async import SyncSessionReachedInAsync
from isolint.rules.meta.parse_error import ParseError
from isolint.rules.meta.unreadable_file import UnreadableFile
from isolint.rules.meta.unused_ignore import UnusedIgnore
from isolint.rules.secrets.hardcoded_secret_in_code import HardcodedSecretInCode
from isolint.rules.secrets.real_value_in_env_template import RealValueInEnvTemplate
from isolint.rules.secrets.secret_in_env_file import EnvFileSecretIndexer, SecretInEnvFile
from isolint.rules.secrets.secret_written_to_log import SecretWrittenToLog
from isolint.rules.service_independence.cross_service_import import CrossServiceImport
from isolint.rules.service_independence.import_contract import ImportContractViolation
from isolint.rules.service_independence.shared_imports_service import SharedImportsService
from isolint.rules.test_isolation.environ_mutation_in_test import EnvironMutationInTest, EnvironPatchIndexer
from isolint.rules.test_isolation.mock_fixture_in_integration_test import MockFixtureInIntegrationTest
from isolint.rules.test_isolation.mock_in_integration_test import MockInIntegrationTest
from isolint.rules.test_isolation.patch_never_undone import PatchNeverUndone
from isolint.rules.test_isolation.shared_settings_left_changed import (
    CachedGetterIndexer, ConftestCacheResetIndexer, SharedSettingsLeftChanged,
)
from isolint.rules.test_isolation.test_doubles_indexer import IntegrationDoublesIndexer

RULES: tuple[type[Rule], ...] = (
    ParseError,
    UnreadableFile,
    UnusedIgnore,
    HardcodedLocalHost,
    DevDefaultEnvFallback,
    HardcodedConnectionValue,
    EnvAccessOutsideConfig,
    DevValueInDeployedEnvFile,
    SecretInEnvFile,
    RealValueInEnvTemplate,
    HardcodedSecretInCode,
    SecretWrittenToLog,
    SessionWithoutContextManager,
    ManualCloseNotInFinally,
    EngineCreatedPerCall,
    EngineCreatedInManyModules,
    SyncDatabaseCallInAsync,
    AsyncDatabaseCallNotAwaited,
    SessionInSharedState,
    SyncSessionReachedInAsync,
    UnhandledMessageType,
    UnsentHandledMessageType,
    NearMissMessageType,
    UnsetPayloadField,
    MirroredEnumDrift,
    MockInIntegrationTest,
    EnvironMutationInTest,
    MockFixtureInIntegrationTest,
    SharedSettingsLeftChanged,
    PatchNeverUndone,
    CrossServiceImport,
    SharedImportsService,
    ImportContractViolation,
)

INDEXERS: tuple[Indexer, ...] = (
    AccessorFallbackIndexer(),
    CachedGetterIndexer(),
    EnvFileSecretIndexer(),
    ConftestCacheResetIndexer(),
    EnvironPatchIndexer(),
    IntegrationDoublesIndexer(),
    PythonMessageIndexer(),
    SessionFactoryIndexer(),
    SessionCarrierIndexer(),
    TypeScriptMessageIndexer(),
)

#: the audit's success metrics for `isolint report`: functions (MetricInput) -> MetricResult | None
METRICS: tuple[Metric, ...] = (
    audit_metrics.localhost_references,
    session_context_managers,
    message_mismatches,
    audit_metrics.integration_test_mock_share,
    audit_metrics.development_defaults,
)

RULE_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in RULES}
register_rules((rule.code, rule.name) for rule in RULES)  # configuration checks selectors against them
RULE_BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in RULES}


def get_rule(code_or_name: str) -> type[Rule] | None:
    return RULE_BY_CODE.get(code_or_name.upper()) or RULE_BY_NAME.get(code_or_name)
