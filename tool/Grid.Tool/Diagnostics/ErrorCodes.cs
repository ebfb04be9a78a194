namespace Grid.Tool.Diagnostics;

/// <summary>
/// The tool's GRID codes. Every code here is listed with its cause and fix in docs/errors.md; a test checks
/// that codes are unique and documented. Ranges: 5xxx command line and input, 6xxx protocol and scheduler,
/// 7xxx the cloud (AWS), 9000 unexpected. (GRID6001–6009 belong to the protocol library, GRID7101–7119 to the
/// image pusher: Grid.Registry's RegistryErrorCodes.)
/// </summary>
public static class ErrorCodes
{
    public const string TasksFileMissing = "GRID5001";
    public const string TasksFileInvalidJson = "GRID5002";
    public const string DuplicateTaskId = "GRID5003";
    public const string NoTasks = "GRID5004";
    public const string BadTaskId = "GRID5005";
    public const string InputTooLarge = "GRID5006";
    public const string TaskSourceChoice = "GRID5007";
    public const string ProjectNotFound = "GRID5008";
    public const string BuildFailed = "GRID5009";
    public const string BadOption = "GRID5010";
    public const string RunExists = "GRID5011";
    public const string BadRunId = "GRID5012";
    public const string RunNotFound = "GRID5013";
    public const string RunLocked = "GRID5014";
    public const string TasksChanged = "GRID5015";
    public const string RunFolderUnreadable = "GRID5020";
    public const string TaskNotInRun = "GRID5021";
    public const string LogNotFound = "GRID5022";
    public const string JobNotBuilt = "GRID5023";

    public const string ManifestMissing = "GRID4010";
    public const string ManifestInvalid = "GRID4011";
    public const string ManifestNewer = "GRID4012";
    public const string ContainerRuntimeMissing = "GRID2101";
    public const string ImageLoadFailed = "GRID2102";
    public const string RunImageNotPulled = "GRID2103";
    public const string RunImageGone = "GRID2104";
    public const string ContainerNotStarted = "GRID2105";

    public const string WorkerLost = "GRID6010";
    public const string WorkersCannotStart = "GRID6011";
    public const string TaskTimedOut = "GRID6012";
    public const string TaskQuarantined = "GRID6013";
    public const string WorkerExited = "GRID6014";
    public const string WorkerProtocolError = "GRID6015";
    public const string WorkerNotProvisioned = "GRID6020";
    public const string WorkerConnectionRefused = "GRID6021";

    public const string AwsNoCredentials = "GRID7001";
    public const string AwsCredentialsRejected = "GRID7002";
    public const string AwsRegion = "GRID7003";
    public const string RepositoryName = "GRID7004";
    public const string ArchitectureMismatch = "GRID7005";
    public const string RegistryUnreachable = "GRID7006";
    public const string NoSubnets = "GRID7007";
    public const string AdvertiseAddress = "GRID7008";
    public const string CapacityUnavailable = "GRID7009";
    public const string AwsCallFailed = "GRID7010";
    public const string TeardownIncomplete = "GRID7011";
    public const string InstanceType = "GRID7012";
    public const string BatchNotValid = "GRID7013";
    public const string CloudOptions = "GRID7014";

    public const string Unexpected = "GRID9000";
}
