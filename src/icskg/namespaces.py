"""Every IRI and prefix icskg uses, spelled once.

Our own vocabulary is a *closed* namespace: ``ICS.IntegratedCareBord`` raises
``AttributeError`` instead of minting a wrong IRI. A test checks that these terms
and the ones declared in ``ontology/*.ttl`` are the same set.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from icskg.prefixes import BASE, PREFIXES  # the prefixes as plain strings, for the query code


class ICS(DefinedNamespace):
    """The icskg ontology (https://w3id.org/icskg/def/)."""

    _fail = True
    _NS = Namespace(BASE + "def/")

    # classes: bodies
    IntegratedCareSystem: URIRef
    IntegratedCareBoard: URIRef
    IntegratedCarePartnership: URIRef
    NHSEnglandRegion: URIRef
    SubICBLocation: URIRef
    ClinicalCommissioningGroup: URIRef
    LocalAuthority: URIRef
    UpperTierLocalAuthority: URIRef
    LowerTierLocalAuthority: URIRef
    NHSProviderTrust: URIRef
    NHSTrust: URIRef
    NHSFoundationTrust: URIRef
    PrimaryCareNetwork: URIRef
    GPPractice: URIRef
    # classes: geography, memberships, records
    Area: URIRef
    PracticeMembership: URIRef
    ReportedLeadershipRole: URIRef
    SourceTable: URIRef
    TrustType: URIRef
    # datatypes
    GSSCode: URIRef
    # properties: identity and time
    odsCode: URIRef
    gssCode: URIRef
    startDate: URIRef
    endDate: URIRef
    # properties: structure
    hasIntegratedCareBoard: URIRef
    hasIntegratedCarePartnership: URIRef
    inRegion: URIRef
    coversArea: URIRef
    withinArea: URIRef
    partlyWithinArea: URIRef
    predecessor: URIRef
    withinSubICBLocation: URIRef
    withinIntegratedCareBoard: URIRef
    # properties: providers
    trustType: URIRef
    headquartersWithin: URIRef
    partnerOfIntegratedCareBoard: URIRef
    hasMajorEmergencyDepartment: URIRef
    # properties: reported leadership
    roleAsReported: URIRef
    statusAsReported: URIRef
    reportedOn: URIRef
    # properties: provenance of source tables
    vintage: URIRef
    sha256: URIRef
    rowCount: URIRef
    completeness: URIRef
    doubt: URIRef

    # governance (ontology/governance.ttl): units, groupings and memberships
    Board: URIRef
    Committee: URIRef
    HealthAndWellbeingBoard: URIRef
    JointCommittee: URIRef
    PlacePartnership: URIRef
    ProviderCollaborative: URIRef
    NominatingConstituency: URIRef
    PrimaryMedicalServicesProvider: URIRef
    PublicOffice: URIRef
    GovernanceRole: URIRef
    BoardMembership: URIRef
    CommitteeMembership: URIRef
    PartnershipMembership: URIRef
    # governance: documents and delegation
    GovernanceDocument: URIRef
    Constitution: URIRef
    StandingOrders: URIRef
    SchemeOfReservationAndDelegation: URIRef
    FunctionsAndDecisionsMap: URIRef
    StandingFinancialInstructions: URIRef
    GovernanceHandbook: URIRef
    EstablishmentOrder: URIRef
    Delegation: URIRef
    # governance: properties
    hasBoard: URIRef
    hasCommittee: URIRef
    committeeKind: URIRef
    establishedBy: URIRef
    establishedByOrder: URIRef
    hasPlacePartnership: URIRef
    nominatesFor: URIRef
    nominatesToRole: URIRef
    nominatedBy: URIRef
    appointedBy: URIRef
    approvedBy: URIRef
    appointedOn: URIRef
    removedBy: URIRef
    removalApprovedBy: URIRef
    interim: URIRef
    post: URIRef
    represents: URIRef
    expertise: URIRef
    employedBy: URIRef
    secondedTo: URIRef
    hasGovernanceDocument: URIRef
    hasConstitution: URIRef
    previousVersion: URIRef
    specifiesName: URIRef
    specifiesArea: URIRef
    providesFor: URIRef
    publishedAt: URIRef
    delegatedBy: URIRef
    delegatedTo: URIRef
    # governance: composition rules
    MembershipRequirement: URIRef
    requiresRole: URIRef
    minimumCount: URIRef
    maximumCount: URIRef
    appliesTo: URIRef
    # governance: records (meetings, decisions, interests, plans and reports, checks on members)
    Meeting: URIRef
    Decision: URIRef
    ServiceChangeDecision: URIRef
    DecisionRule: URIRef
    RegisterOfInterests: URIRef
    Declaration: URIRef
    IndependentSectorProvider: URIRef
    PlanOrReport: URIRef
    JointForwardPlan: URIRef
    JointCapitalResourceUsePlan: URIRef
    AnnualReport: URIRef
    AnnualAccounts: URIRef
    PerformanceAssessment: URIRef
    IntegratedCareStrategy: URIRef
    JointStrategicNeedsAssessment: URIRef
    GreenPlan: URIRef
    DigitalTransformationPlan: URIRef
    DisqualifyingFact: URIRef
    meetingOf: URIRef
    heldInPublic: URIRef
    publicExcludedBy: URIRef
    papersPublishedAt: URIRef
    minutesPublishedAt: URIRef
    decidedBy: URIRef
    takenAt: URIRef
    hadRegardTo: URIRef
    publicInvolvementRecord: URIRef
    decisionMethod: URIRef
    grantsVetoTo: URIRef
    quorumCount: URIRef
    quorumRequires: URIRef
    actsAsDelegateFor: URIRef
    speaksFor: URIRef
    hasRegisterOfInterests: URIRef
    inRegister: URIRef
    declaredBy: URIRef
    interestKind: URIRef
    interestIn: URIRef
    interestArose: URIRef
    recordedOn: URIRef
    preparedBy: URIRef
    preparedOn: URIRef
    financialYear: URIRef
    horizonYears: URIRef
    covers: URIRef
    consulted: URIRef
    sharedWith: URIRef
    reviewedOn: URIRef
    assessmentOf: URIRef
    auditedBy: URIRef
    adopts: URIRef
    fitAndProperTestPassedOn: URIRef
    nolanUndertakingGivenOn: URIRef
    roleSpecificationMetOn: URIRef
    hasDisqualifyingFact: URIRef
    ground: URIRef
    nameInOrder: URIRef
    areaInOrder: URIRef

    # legislation and policy (ontology/legislation-policy.ttl): documents, options, events
    PolicyDocument: URIRef
    Legislation: URIRef
    PolicyPaper: URIRef
    Briefing: URIRef
    MeetingRecord: URIRef
    ReferenceCompilation: URIRef
    LegislativeProvision: URIRef
    LegislativeOption: URIRef
    Consultation: URIRef
    PolicyEvent: URIRef
    Regime: URIRef
    # legislation and policy: what documents state
    StatementList: URIRef
    PolicyStatement: URIRef
    Purpose: URIRef
    Principle: URIRef
    Theme: URIRef
    Expectation: URIRef
    Workstream: URIRef
    OptionFeature: URIRef
    ConsultationQuestion: URIRef
    Recommendation: URIRef
    Resolution: URIRef
    Finding: URIRef
    # legislation and policy: properties
    summarises: URIRef
    proposedIn: URIRef
    hasFeature: URIRef
    preferredBy: URIRef
    enacted: URIRef
    realisedBy: URIRef
    consultationOn: URIRef
    hasQuestion: URIRef
    closesOn: URIRef
    concerns: URIRef
    inList: URIRef
    position: URIRef
    about: URIRef
    topic: URIRef
    locator: URIRef
    recommendedBy: URIRef
    percentage: URIRef
    targetDate: URIRef
    regime: URIRef
    evidenceStatus: URIRef

    # duties and functions (ontology/duties-functions.ttl)
    Function: URIRef
    Duty: URIRef
    Power: URIRef
    StatutoryDuty: URIRef
    StatutoryBody: URIRef
    holder: URIRef
    legalBasis: URIRef
    establishedUnder: URIRef
    dutyKind: URIRef
    delegatedFunction: URIRef

    # finance (ontology/finance.ttl)
    Fund: URIRef
    FundingStream: URIRef
    Budget: URIRef
    DelegatedBudget: URIRef
    PooledBudget: URIRef
    BudgetPoolingModel: URIRef
    FundingFlow: URIRef
    Allocation: URIRef
    includesStream: URIRef
    delegableTo: URIRef
    flowFrom: URIRef
    flowTo: URIRef
    carries: URIRef

    # engagement (ontology/engagement.ttl)
    EngagementPrinciple: URIRef
    LocalHealthwatch: URIRef
    VCSEOrganisation: URIRef
    involves: URIRef


# Shapes: one per rule, named after the rule they encode (shapes/*.ttl).
ICSH = Namespace(BASE + "shapes/")

# Individuals and data, minted by code from codes (never from names).
ID = Namespace(BASE + "id/")
ORG_ID = Namespace(BASE + "id/org/")
AREA = Namespace(BASE + "id/area/")
ICS_ID = Namespace(BASE + "id/ics/")
ICP_ID = Namespace(BASE + "id/icp/")
LA = Namespace(BASE + "id/la/")
CCG = Namespace(BASE + "id/ccg/")
PERSON = Namespace(BASE + "id/person/")
MEMBERSHIP = Namespace(BASE + "id/membership/")
SOURCE = Namespace(BASE + "id/source/")
GRAPH = Namespace(BASE + "graph/")
TRUST_TYPE = Namespace(BASE + "def/trust-type/")
ROLE = Namespace(BASE + "def/role/")
COMMITTEE_KIND = Namespace(BASE + "def/committee-kind/")
EXPERTISE = Namespace(BASE + "def/expertise/")
ARRANGEMENT = Namespace(BASE + "def/arrangement/")
REGIME = Namespace(BASE + "def/regime/")
TOPIC = Namespace(BASE + "def/topic/")
EVIDENCE = Namespace(BASE + "def/evidence/")
DUTY_KIND = Namespace(BASE + "def/duty-kind/")
CONTENT = Namespace(BASE + "def/content/")
INTEREST_KIND = Namespace(BASE + "def/interest-kind/")
DECISION_METHOD = Namespace(BASE + "def/decision-method/")
DISQUALIFICATION = Namespace(BASE + "def/disqualification-ground/")
SECTOR = Namespace(BASE + "def/sector/")
OFFICE = Namespace(BASE + "id/office/")
AGENT = Namespace(BASE + "id/agent/")
DOC = Namespace(BASE + "id/doc/")
OPTION = Namespace(BASE + "id/option/")
FEATURE = Namespace(BASE + "id/option-feature/")
FINANCE = Namespace(BASE + "id/finance/")
DUTY = Namespace(BASE + "id/duty/")
EVENT = Namespace(BASE + "id/event/")
LIST = Namespace(BASE + "id/list/")
PLACE = Namespace(BASE + "id/place/")
ONTOLOGY = URIRef(BASE + "def/")

# Links out.
ONS_GEOGRAPHY = Namespace("http://statistics.data.gov.uk/id/statistical-geography/")
ODS_SYSTEM = URIRef("https://fhir.nhs.uk/Id/ods-organization-code")
# The ODS ORD API's organisation endpoint: one organisation's full record, by ODS code.
ODS_RECORD = Namespace("https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/")
# GOV.UK organisation pages, by slug.
GOVUK_ORGANISATION = Namespace("https://www.gov.uk/government/organisations/")
CQC_PROVIDER = Namespace("https://www.cqc.org.uk/provider/")
LEGISLATION = Namespace("http://www.legislation.gov.uk/id/")
HEALTH_AND_CARE_ACT_2022 = LEGISLATION["ukpga/2022/31"]
NHS_ENGLAND = ORG_ID["X24"]
"""NHS England, by the ODS code it reports under (X24); its regions are units of it."""
OGL_3 = URIRef(
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
)



def bind_prefixes(graph: Graph) -> Graph:
    """Bind every icskg prefix on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    """The PREFIX lines for every icskg prefix, for queries shown to people."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
