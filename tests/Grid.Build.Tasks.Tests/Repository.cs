namespace Grid.Build.Tasks.Tests;

/// <summary>Files of this repository that the tests check the tasks against.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "BatchSdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BatchSdk.sln not found above " + AppContext.BaseDirectory);
    }
}
