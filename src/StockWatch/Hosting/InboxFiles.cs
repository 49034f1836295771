using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using Mono.Unix;
using Mono.Unix.Native;
using StockWatch.Core;

namespace StockWatch.Hosting;

/// <summary>
/// What the inbox sees in a folder, and how it opens a file: without following links and without blocking, so a link
/// to a secret or to <c>/dev/zero</c>, a FIFO or a device is refused instead of read. Names are kept as Mono.Unix
/// gives them, so a name that is not valid UTF-8 can still be moved; <see cref="Entry.DisplayName"/> is its readable form.
/// </summary>
public static partial class InboxFiles
{
    /// <summary>One entry of a folder, as <c>lstat(2)</c> saw it (a link is a link, not what it points to).</summary>
    /// <param name="Name">The name as stored: bytes that are not UTF-8 are kept as Mono.Unix escapes them (<c>\0</c> + byte).</param>
    /// <param name="Version">Size, modification time and inode: changes whenever the file does.</param>
    public sealed record Entry(string Name, string Path, FilePermissions Type, (long, long, long, ulong) Version)
    {
        public bool IsRegularFile => Type == FilePermissions.S_IFREG;

        /// <summary>The name as text: each byte that is not UTF-8 becomes U+FFFD.</summary>
        public string DisplayName => Name.Contains('\0', StringComparison.Ordinal) ? EscapedByte().Replace(Name, "\uFFFD") : Name;
    }

    /// <summary>The folder's entries; one that disappears while listed is left out.</summary>
    public static IEnumerable<Entry> List(string folder)
    {
        foreach (var dirent in new UnixDirectoryInfo(folder).GetEntries())
        {
            if (dirent.d_name is "." or "..")
            {
                continue;
            }

            var path = System.IO.Path.Combine(folder, dirent.d_name);
            if (Syscall.lstat(path, out var stat) == 0)
            {
                yield return new Entry(dirent.d_name, path, stat.st_mode & FilePermissions.S_IFMT,
                    (stat.st_size, stat.st_mtime, stat.st_mtime_nsec, stat.st_ino));
            }
        }
    }

    /// <summary>
    /// Opens a regular file for reading, or says why not: the open does not follow a link nor wait for a FIFO's writer,
    /// and what was opened is checked to be a regular file (so a file swapped for something else after it was listed
    /// is refused too).
    /// </summary>
    /// <returns>The open file, or <c>null</c> and the reason it is refused.</returns>
    public static (FileStream? File, string? Refusal) OpenRegular(string path)
    {
        var fd = Syscall.open(path, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC);
        if (fd < 0)
        {
            var error = Stdlib.GetLastError();
            return error == Errno.ELOOP ? (null, Describe(FilePermissions.S_IFLNK)) : throw new UnixIOException(error);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var type = Syscall.fstat(fd, out var stat) == 0 ? stat.st_mode & FilePermissions.S_IFMT : 0;
        if (type != FilePermissions.S_IFREG)
        {
            handle.Dispose();
            return (null, Describe(type));
        }

        return (new FileStream(handle, FileAccess.Read, 81920), null);
    }

    /// <summary>Renames an entry (whatever its type or name); fails when <paramref name="destination"/> exists.</summary>
    public static void Move(string source, string destination)
    {
        if (Syscall.lstat(destination, out _) == 0)
        {
            throw new IOException($"{destination} exists already.");
        }

        UnixMarshal.ThrowExceptionForLastErrorIf(Syscall.rename(source, destination));
    }

    /// <summary>Why an entry of this type is not imported.</summary>
    public static string Describe(FilePermissions type) => type switch
    {
        FilePermissions.S_IFLNK => "it is a symbolic link; the inbox takes regular files only, never what a link points to",
        FilePermissions.S_IFIFO => "it is a named pipe (FIFO); the inbox takes regular files only",
        FilePermissions.S_IFDIR => "it is a folder; the inbox takes regular files only",
        FilePermissions.S_IFSOCK => "it is a socket; the inbox takes regular files only",
        FilePermissions.S_IFCHR or FilePermissions.S_IFBLK => "it is a device; the inbox takes regular files only",
        _ => "it is not a regular file; the inbox takes regular files only",
    };

    [GeneratedRegex("\0.", RegexOptions.Singleline)]
    private static partial Regex EscapedByte();
}

/// <summary>A read-only view of a stream that fails once more than <paramref name="max"/> bytes were read from it.</summary>
/// <param name="setting">The setting that sets the cap, named in the error.</param>
public sealed class CappedStream(Stream inner, long max, string setting) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        _read += read;
        return _read <= max
            ? read
            : throw StockWatchException.Invalid("file", $"The file is larger than {setting} ({max} bytes); it was not imported.");
    }
}
