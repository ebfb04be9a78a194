using System.Globalization;
using System.Resources;

namespace Grid.Build.Tasks;

/// <summary>
/// The messages of every GRID code the tasks raise, kept in Strings.resx. Each message starts with its code
/// (<c>GRID1003: ...</c>), which <see cref="Microsoft.Build.Utilities.TaskLoggingHelper.LogErrorWithCodeFromResources(string, object[])"/>
/// lifts into the error's code, so a build log shows <c>error GRID1003: GridWorkers is '0'; ...</c>.
/// </summary>
internal static class Strings
{
    public static ResourceManager ResourceManager { get; } = new("Grid.Build.Tasks.Strings", typeof(Strings).Assembly);

    /// <summary>The message of a resource with its arguments, code included, as the build log shows it.</summary>
    public static string Format(string name, params object?[] arguments)
    {
        string format = ResourceManager.GetString(name, CultureInfo.InvariantCulture)
            ?? throw new ArgumentException($"No message named '{name}' in Strings.resx.", nameof(name));
        return string.Format(CultureInfo.InvariantCulture, format, arguments);
    }
}
