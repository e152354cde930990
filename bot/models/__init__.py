"""SQLAlchemy models, one module per domain noun. Import from here."""

from .account import Account, AccountStatus, Contact, ContactRole, ContactRoleTag, LifecycleStage, SalesStage, Segment
from .base import Base, utcnow
from .delivery import Delivery, DeliveryKind, DeliveryStatus
from .follow_up import FollowUp, FollowUpStatus
from .churn_retro import ChurnRetro, ChurnType, RetroAction, RetroActionKind, RetroStatus
from .health import (
    PERSON_SOURCES,
    Health,
    HealthRating,
    HealthSignal,
    RatingSource,
    RedEpisode,
    SignalSource,
    TaPulse,
    UsageSnapshot,
)
from .jobs import JobRun, NudgeSent, SchedulerLock
from .lifecycle import HandoffTask, HealthAssessment, ProjectedOutcome
from .onboarding import OnboardingTask, OnboardingTaskKind, Training, TrainingDelivery
from .plans import AccountPlan, SuccessPlan
from .request_guard import HandledRequest
from .salesforce import SalesforceSyncState
from .salesforce_writeback import SalesforceRemoved, SalesforceWritten
from .save_plan import (
    ApproverRole,
    ExitApproval,
    PlanEntry,
    PlanStatus,
    PlanUpdate,
    SavePlan,
    SaveStep,
    SuccessCriterion,
)
from .signals import KeyContactSeen, SignalAlert, SignalEpisode, SignalSnooze, SignalSubscription
from .shared_channel import ChannelLink, CustomerMessage
from .slack_message import SlackMessage
from .touchpoint import Touchpoint
from .transfer import TaTransfer, TransferStatus

__all__ = [
    "Account",
    "AccountPlan",
    "AccountStatus",
    "ApproverRole",
    "Base",
    "ChannelLink",
    "ChurnRetro",
    "ChurnType",
    "Contact",
    "ContactRole",
    "CustomerMessage",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "ContactRoleTag",
    "ExitApproval",
    "HandledRequest",
    "HandoffTask",
    "Health",
    "HealthAssessment",
    "HealthRating",
    "HealthSignal",
    "PERSON_SOURCES",
    "ProjectedOutcome",
    "SignalSource",
    "JobRun",
    "LifecycleStage",
    "NudgeSent",
    "PlanEntry",
    "PlanStatus",
    "PlanUpdate",
    "RatingSource",
    "RedEpisode",
    "SalesforceRemoved",
    "SalesforceSyncState",
    "SalesforceWritten",
    "RetroAction",
    "RetroActionKind",
    "RetroStatus",
    "SavePlan",
    "SaveStep",
    "SchedulerLock",
    "Segment",
    "SlackMessage",
    "SuccessCriterion",
    "SuccessPlan",
    "TaPulse",
    "TaTransfer",
    "Touchpoint",
    "TransferStatus",
    "UsageSnapshot",
    "utcnow",
    "OnboardingTask",
    "OnboardingTaskKind",
    "SalesStage",
    "Training",
    "TrainingDelivery",
    "FollowUp",
    "FollowUpStatus",
    "KeyContactSeen",
    "SignalAlert",
    "SignalEpisode",
    "SignalSnooze",
    "SignalSubscription",
]
